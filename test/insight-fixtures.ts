// Insights as Sumo Logic Cloud SIEM sends them (its published examples, and one shaped like them with Records), and running a chain for an Insight event.
import fs from 'node:fs';
import path from 'node:path';
import { assertValidChain, insightView, type Insight, type Trigger } from '../dsl';
import { readRun, startRun, type RunReport } from '../control/client';
import type { Harness } from './helpers';

/** The Cloud SIEM base URL tests configure (`cloudSiem.url`). */
export const CLOUD_SIEM_URL = 'https://service.us2.sumologic.com';

/** A vendor fixture under test/fixtures/vendor/ (see its SOURCES.md), parsed. */
export function vendorFixture<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'vendor', file), 'utf8')) as T;
}

/** Sumo Logic's published "Insight payload example" (playbook payloads), verbatim. */
export function publishedInsight(): Insight {
  return vendorFixture<Insight>('sumologic/insight-payload-example.json');
}

const entity = { id: '_ip-10.0.4.20', name: '10.0.4.20', value: '10.0.4.20', hostname: 'ws-042', entityType: '_ip', macAddress: null, sensorZone: '' };

/**
 * A two-Signal Insight about one IP, shaped field for field like Sumo Logic's published example,
 * with tactics in each Signal's `stage` and MITRE tags, and Records in `allRecords` (the vendor's
 * own examples carry none, or redact them to `{}`). Record field names are Cloud SIEM's schema
 * names (`srcDevice_ip`, `dstDevice_ip`, `file_hash_sha256`, ...); the values are ours.
 */
export function sampleInsight(overrides: Record<string, unknown> = {}): Insight {
  return {
    id: '9bd0a2f4-3c3e-4c5a-9c55-1f0f5d7f3a10',
    name: 'Initial Access with Execution',
    tags: ['phishing'],
    orgId: '0000000006ACDE44',
    closed: null,
    entity,
    source: 'ALGORITHM',
    status: { name: 'new', displayName: 'New' },
    created: '2026-11-23T01:00:00.000000',
    signals: [
      {
        id: 'sig-1',
        name: 'Phishing link clicked',
        tags: ['_mitreAttackTactic:TA0001', '_mitreAttackTechnique:T1566.002'],
        stage: 'Initial Access',
        entity,
        ruleId: 'MATCH-S00101',
        created: '2026-11-23T00:55:00.000000',
        severity: 5,
        artifacts: [],
        timestamp: '2026-11-23T00:55:00.000000',
        contentType: 'RULE',
        description: 'A user opened a link to a credential phishing page',
        recordCount: 1,
        recordTypes: [],
        allRecords: [{ uid: 'r1', srcDevice_ip: '10.0.4.20', dstDevice_ip: '203.0.113.77', http_url: 'https://evil-login.example.net/owa', user_username: 'alice' }],
      },
      {
        id: 'sig-2',
        name: 'Dropper executed',
        tags: ['_mitreAttackTactic:TA0002', '_mitreAttackTechnique:T1204.002'],
        stage: 'Execution',
        entity,
        ruleId: 'MATCH-S00202',
        created: '2026-11-23T00:58:10.000000',
        severity: 7,
        artifacts: [],
        timestamp: '2026-11-23T00:58:10.000000',
        contentType: 'RULE',
        description: 'A downloaded executable ran',
        recordCount: 1,
        recordTypes: [],
        allRecords: [{ uid: 'r2', file_hash_sha256: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855', dstDevice_ip: '203.0.113.77', commandLine: 'invoice.exe' }],
      },
    ],
    assignee: null,
    closedBy: null,
    severity: 'HIGH',
    timestamp: '2026-11-23T00:58:10.000000',
    assignedTo: null,
    confidence: null,
    readableId: 'INSIGHT-1042',
    resolution: null,
    description: 'Initial Access, Execution',
    lastUpdated: '2026-11-23T01:00:00.000000',
    ...overrides,
  } as Insight;
}

/** The link the sample Insight's summaries carry. */
export const SAMPLE_LINK = `${CLOUD_SIEM_URL}/sec/insight/9bd0a2f4-3c3e-4c5a-9c55-1f0f5d7f3a10`;
/** The tactics the sample Insight's summaries name. */
export const SAMPLE_TACTICS = 'Initial Access (TA0001), Execution (TA0002)';

/** The trigger the intake builds for an Insight event: the Insight as sent and its view, whose link comes from `cloudSiemUrl`. */
export function insightTrigger(insight: Insight = sampleInsight(), type: 'insight.created' | 'insight.closed' | 'insight.on_demand' = 'insight.created', cloudSiemUrl: string | undefined = CLOUD_SIEM_URL): Trigger {
  return { type, insight, insightView: insightView(insight, { cloudSiemUrl }) };
}

/** Validates the chain and runs it for an Insight event on the harness's worker, with the trigger the intake builds. */
export async function runForInsight(
  h: Harness,
  chain: object,
  insight: Insight = sampleInsight(),
  type: 'insight.created' | 'insight.closed' | 'insight.on_demand' = 'insight.created',
  workflowId?: string,
): Promise<RunReport> {
  const valid = assertValidChain(chain);
  const trigger = insightTrigger(insight, type, h.config.cloudSiem.url ?? CLOUD_SIEM_URL);
  const handle = await startRun(h.client, { chain: valid, results: [], trigger, taskQueue: h.taskQueue, store: h.store, workflowId });
  return readRun(handle, { wait: true, store: h.store });
}

/** A retry policy short enough for tests. */
export const quickRetry = { initialInterval: '100ms', backoff: 1, maxAttempts: 3 } as const;
