// An Insight as the SIEM sends it, and running a chain for an Insight event on a test harness.
import { assertValidChain, type Insight } from '../dsl';
import { readRun, startRun, type RunReport } from '../worker/client';
import type { Harness } from './helpers';

/** A two-Signal Insight about one IP, with Records holding IPs, a domain, a URL and a hash. */
export function sampleInsight(overrides: Partial<Insight> = {}): Insight {
  return {
    id: '9bd0a2f4-3c3e-4c5a-9c55-1f0f5d7f3a10',
    readableId: 'INSIGHT-1042',
    name: 'Initial Access with Execution',
    description: 'Phishing link followed by a dropper',
    entity: { entityType: '_ip', value: '10.0.4.20', hostname: 'ws-042' },
    severity: 'HIGH',
    confidence: 0.8,
    status: 'new',
    tactics: ['Initial Access', 'Execution'],
    techniques: ['T1566.002', 'T1204.002'],
    tags: ['phishing'],
    created: '2026-11-23T01:00:00.000Z',
    link: 'https://siem.example.org/sec/insight/INSIGHT-1042',
    signals: [
      {
        id: 'sig-1',
        name: 'Phishing link clicked',
        ruleId: 'MATCH-S00101',
        severity: 5,
        tactics: ['Initial Access'],
        techniques: ['T1566.002'],
        records: [{ uid: 'r1', srcDevice_ip: '10.0.4.20', dstDevice_ip: '203.0.113.77', http_url: 'https://evil-login.example.net/owa', user_username: 'alice' }],
      },
      {
        id: 'sig-2',
        name: 'Dropper executed',
        ruleId: 'MATCH-S00202',
        severity: 7,
        tactics: ['Execution'],
        techniques: ['T1204.002'],
        records: [{ uid: 'r2', file_hash_sha256: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855', dstDevice_ip: '203.0.113.77', commandLine: 'invoice.exe' }],
      },
    ],
    records: [],
    enrichments: [],
    ...overrides,
  };
}

/** Validates the chain and runs it for an Insight event on the harness's worker. */
export async function runForInsight(
  h: Harness,
  chain: object,
  insight: Insight = sampleInsight(),
  type: 'insight.created' | 'insight.closed' | 'insight.on_demand' = 'insight.created',
  workflowId?: string,
): Promise<RunReport> {
  const valid = assertValidChain(chain);
  const handle = await startRun(h.client, { chain: valid, results: [], trigger: { type, insight }, taskQueue: h.taskQueue, store: h.store, workflowId });
  return readRun(handle, true, h.store);
}

/** A retry policy short enough for tests. */
export const quickRetry = { initialInterval: '100ms', backoff: 1, maxAttempts: 3 } as const;
