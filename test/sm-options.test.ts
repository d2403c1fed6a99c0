// Every Smart Monitor option of incident.create, mitre.tag and mitre.risk, as the store holds it after a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../dsl';
import { startHarness, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const results = [
  { host: 'web-1', user: 'alice', src_ip: '10.0.0.5', sev: 'critical', asset: 'A-17', owner: 'ops', bytes: 10 },
  { host: 'web-2', user: 'bob', src_ip: '10.0.0.9', sev: 'low', asset: 'A-18', owner: 'dev', bytes: 20 },
];

function problemsOf(chain: object) {
  const v = validateChain(chain);
  return v.ok ? [] : v.problems;
}

describe('incident.create options', () => {
  it('stores title, templated severity, workflow, Markdown, a search drilldown bounded by the job timeframe, suffix, fields, result fields, inventory and local params', async () => {
    const description = '## Brute force\n\n* source `{{result.src_ip}}`\n* see [runbook](https://wiki.example.org/ssh)';
    const report = await h.run(
      {
        name: 'incident-options',
        timeframe: '1h',
        steps: [
          {
            id: 'incident',
            action: 'incident.create',
            with: {
              title: 'SSH brute force on {{local.target}}',
              severity: '{{result.sev}}',
              workflow: 'triage-l1',
              description,
              drilldown: { type: 'search', text: 'src_ip={{result.src_ip}} | stats count by user' },
              indexSuffix: 'soc',
              fields: { category: 'intrusion', priority: 2 },
              additionalFields: { source_ip: '{{result.src_ip}}', total: '{{json results.length}}' },
              resultFields: ['user', 'host'],
              inventory: { type: 'server', id: '{{result.asset}}', fields: ['owner'] },
              localParams: { target: '{{upper result.host}}' },
            },
          },
        ],
      },
      results,
    );
    expect(report.status).toBe('completed');
    const [incident] = await h.store.listIncidents({ job: 'incident-options' });
    expect(incident).toMatchObject({
      incident_id: (report.steps.incident.output as { incident_id: string }).incident_id,
      index: 'incidents-soc',
      title: 'SSH brute force on WEB-1',
      severity: 'critical',
      workflow: 'triage-l1',
      description: '## Brute force\n\n* source `10.0.0.5`\n* see [runbook](https://wiki.example.org/ssh)',
      fields: { category: 'intrusion', priority: 2 },
      additional_fields: { source_ip: '10.0.0.5', total: 2 },
      result_fields: { user: 'alice', host: 'web-1' },
      inventory: { type: 'server', id: 'A-17', fields: { owner: 'ops' } },
      local_params: { target: 'WEB-1' },
    });
    const drilldown = incident.drilldown as { type: string; text: string; from: string; to: string };
    expect(drilldown).toMatchObject({ type: 'search', text: 'src_ip=10.0.0.5 | stats count by user' });
    expect(Date.parse(drilldown.to) - Date.parse(drilldown.from)).toBe(3_600_000);
    expect(incident.timeframe).toEqual({ from: drilldown.from, to: drilldown.to });
  });

  it('keeps given drilldown bounds, stores a link drilldown, and creates one incident per result in each mode', async () => {
    await h.run(
      {
        name: 'incident-bounds',
        timeframe: '1h',
        steps: [
          { id: 'search', action: 'incident.create', with: { title: 'bounded', drilldown: { type: 'search', text: 'host=*', from: '2026-11-22T00:00:00Z', to: '2026-11-22T06:00:00Z' } } },
          { id: 'link', action: 'incident.create', mode: 'each', with: { title: 'linked {{result.host}}', drilldown: { type: 'link', text: 'https://wiki.example.org/hosts/{{result.host}}' } } },
        ],
      },
      results,
    );
    const incidents = await h.store.listIncidents({ job: 'incident-bounds' });
    expect(incidents.find((i) => i.title === 'bounded')?.drilldown).toEqual({ type: 'search', text: 'host=*', from: '2026-11-22T00:00:00Z', to: '2026-11-22T06:00:00Z' });
    expect(incidents.filter((i) => i.title.startsWith('linked')).map((i) => (i.drilldown as { text: string }).text).sort()).toEqual([
      'https://wiki.example.org/hosts/web-1',
      'https://wiki.example.org/hosts/web-2',
    ]);
  });

  it('refuses an unknown severity, a relative drilldown link and a bad index suffix by path', () => {
    expect(problemsOf({ name: 'x', steps: [{ id: 'i', action: 'incident.create', with: { title: 't', severity: 'urgent', drilldown: { type: 'link', text: '/relative' }, indexSuffix: 'Bad Suffix' } }] })).toEqual([
      expect.objectContaining({ path: 'steps[0].with.severity' }),
      { path: 'steps[0].with.drilldown.text', message: 'give the drilldown link as an absolute URL' },
      { path: 'steps[0].with.indexSuffix', message: 'use lower-case letters, digits, "_" and "-"' },
    ]);
  });
});

describe('mitre.tag options', () => {
  it('writes one mitre document per technique with name, rule, layer, severity and additional fields, carrying the run-once incident id', async () => {
    const report = await h.run(
      {
        name: 'tag-options',
        steps: [
          { id: 'incident', action: 'incident.create', with: { title: 'lateral movement' } },
          {
            id: 'tag',
            action: 'mitre.tag',
            mode: 'each',
            with: { name: 'SSH tagging', rule: 'ssh-bruteforce-rule', layer: 'soc-layer', techniques: ['T1110', 'T1021.004'], severity: 'high', additionalFields: { analyst_note: 'from {{result.src_ip}}' } },
          },
        ],
      },
      results,
    );
    expect(report.status).toBe('completed');
    const incidentId = (report.steps.incident.output as { incident_id: string }).incident_id;
    const docs = (await h.store.listDocuments('mitre')).filter((d) => d.job === 'tag-options');
    expect(docs).toHaveLength(4);
    expect(docs.map((d) => [d.technique, d.parent_technique, (d.event as { host: string }).host]).sort()).toEqual([
      ['T1021.004', 'T1021', 'web-1'],
      ['T1021.004', 'T1021', 'web-2'],
      ['T1110', 'T1110', 'web-1'],
      ['T1110', 'T1110', 'web-2'],
    ]);
    for (const d of docs) {
      expect(d).toMatchObject({ name: 'SSH tagging', rule: 'ssh-bruteforce-rule', layer: 'soc-layer', severity: 'high', incident_id: incidentId, analyst_note: `from ${(d.event as { src_ip: string }).src_ip}` });
    }
  });

  it('names the rule after the job when none is given and leaves incident_id empty without an incident step', async () => {
    await h.run({ name: 'tag-bare', steps: [{ id: 'tag', action: 'mitre.tag', with: { techniques: ['T1059'] } }] }, results);
    const [doc] = (await h.store.listDocuments('mitre')).filter((d) => d.job === 'tag-bare');
    expect(doc).toMatchObject({ technique: 'T1059', rule: 'tag-bare', severity: 'medium', incident_id: null, event: results[0] });
  });

  it('refuses malformed technique ids and a severity outside low, medium and high', () => {
    const problems = problemsOf({ name: 'x', steps: [{ id: 't', action: 'mitre.tag', with: { techniques: ['T1110', 'T123', 'T1234.01', 't1234', 'TA0001'], severity: 'critical' } }] });
    expect(problems.filter((p) => p.path.startsWith('steps[0].with.techniques')).map((p) => p.path)).toEqual([
      'steps[0].with.techniques[1]',
      'steps[0].with.techniques[2]',
      'steps[0].with.techniques[3]',
      'steps[0].with.techniques[4]',
    ]);
    expect(problems).toContainEqual(expect.objectContaining({ path: 'steps[0].with.severity' }));
    expect(problemsOf({ name: 'x', steps: [{ id: 't', action: 'mitre.tag', with: { techniques: [] } }] })).toEqual([{ path: 'steps[0].with.techniques', message: 'list at least one technique' }]);
  });
});

describe('mitre.risk options', () => {
  it('scores only the system category when asked, with additional fields and a per-result score', async () => {
    await h.run({ name: 'risk-system', steps: [{ id: 'r', action: 'mitre.risk', mode: 'each', with: { category: 'system', score: '{{result.bytes}}', fidelity: 0.25, additionalFields: { tactic: 'exfiltration' } } }] }, results);
    const docs = (await h.store.listDocuments('risk')).filter((d) => d.job === 'risk-system');
    expect(docs.map((d) => [d.category, d.entity, d.score, d.risk, d.tactic]).sort()).toEqual([
      ['system', 'web-1', 10, 2.5, 'exfiltration'],
      ['system', 'web-2', 20, 5, 'exfiltration'],
    ]);
  });
});

describe('email.send reserved headers', () => {
  it("refuses every header of the seed's reserved list, in any case, naming the header", () => {
    // Smart Monitor's list as printed (its "In-Reply-T" is In-Reply-To cut short).
    const seedList = ['Return-Path', 'Received', 'Resent-Date', 'Resent-From', 'Resent-Sender', 'Resent-To', 'Resent-Cc', 'Resent-Bcc', 'Resent-Message-Id', 'Date', 'From', 'Sender', 'Reply-To', 'To', 'Message-Id', 'In-Reply-To', 'References', 'Subject', 'Errors-To', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Content-MD5', 'Content-Length', 'Received-SPF'];
    for (const name of [...seedList, ...seedList.map((n) => n.toLowerCase())]) {
      const problems = problemsOf({ name: 'x', steps: [{ id: 'm', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', subject: 's', headers: { [name]: 'v', 'X-Allowed': ['a', 'b'] } } }] });
      expect(problems).toEqual([{ path: `steps[0].with.headers.${name}`, message: `header "${name}" is reserved for the system and cannot be set` }]);
    }
  });
});
