// The interpreter on the real dev server: modes, hand-off, when, onError, retries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, startPeer, type Harness } from './helpers';

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;

beforeAll(async () => {
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

const results = [
  { src_ip: '10.0.0.5', user: 'alice' },
  { src_ip: '10.0.0.9', user: 'bob' },
];

describe('a chain run', () => {
  it('hands the incident id created per result to the MITRE document of the same result', async () => {
    const report = await h.run(
      {
        name: 'handoff',
        steps: [
          { id: 'incident', action: 'incident.create', mode: 'each', with: { title: 'SSH brute force from {{result.src_ip}}', severity: 'high' } },
          { id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1110.001'], severity: 'high' } },
          { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: '/alert', body: { incident: '{{steps.incident.incident_id}}', count: '{{json results.length}}' } } },
        ],
      },
      results,
    );
    expect(report.status).toBe('completed');
    const incidents = report.steps.incident.outputs as { incident_id: string }[];
    expect(incidents).toHaveLength(2);
    expect(incidents[0].incident_id).not.toBe(incidents[1].incident_id);
    const docs = await h.store.listDocuments('mitre');
    const byIp = Object.fromEntries(docs.map((d) => [(d.event as { src_ip: string }).src_ip, d.incident_id]));
    expect(byIp['10.0.0.5']).toBe(incidents[0].incident_id);
    expect(byIp['10.0.0.9']).toBe(incidents[1].incident_id);
    const sent = peer.received.at(-1)!;
    expect(JSON.parse(sent.body)).toEqual({ incident: incidents[0].incident_id, count: 2 });
    const stored = await h.store.listIncidents();
    expect(stored.map((i) => i.title).sort()).toEqual(['SSH brute force from 10.0.0.5', 'SSH brute force from 10.0.0.9']);
  });
});
