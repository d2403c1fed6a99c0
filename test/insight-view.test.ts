// Reading Cloud SIEM's own Insights: both forms accepted and kept as sent, the view (entity, tactics, link, UTC times), the JSON forms actions send.
import { describe, expect, it } from 'vitest';
import { insightRecords, insightView, readInsight, tacticById, tacticByName, utcTimestamp, type Insight } from '../dsl';
import { insightJson } from '../activities/shared/insight/insight';
import { insightSummary } from '../activities/shared/insight/summary';
import { adaptiveCard, messageCard } from '../activities/teams-notify';
import { parseEvent } from '../control/events';
import { CLOUD_SIEM_URL, publishedInsight, sampleInsight, vendorFixture } from './insight-fixtures';

const hostile = vendorFixture<Record<string, string>>('../hostile-values.json');
const hostileValues = Object.entries(hostile).filter(([k]) => k !== '$comment');

describe('the Insight as Sumo Logic sends it', () => {
  it('accepts the published playbook Insight, nulls and status object included, and gives it on as the very object sent', () => {
    const sent = publishedInsight();
    const reading = readInsight(sent);
    expect(reading.ok).toBe(true);
    if (!reading.ok) return;
    expect(reading.insight).toBe(sent);
    expect(reading.envelope).toBe(false);
    expect(Object.keys(reading.insight)).toEqual(Object.keys(vendorFixture('sumologic/insight-payload-example.json')));
  });

  it('unwraps the API envelope { data, errors } of GET /sec/v1/insights/{id}, and names a problem under data', () => {
    const envelope = vendorFixture<{ data: Insight }>('sumologic/api-insight-details.json');
    const reading = readInsight(envelope);
    expect(reading).toEqual({ ok: true, insight: envelope.data, envelope: true });
    const bad = readInsight({ data: { ...envelope.data, severity: 'SEVERE' }, errors: [] });
    expect(bad).toEqual({ ok: false, problems: [{ path: ['data', 'severity'], message: 'use one of LOW, MEDIUM, HIGH, CRITICAL' }] });
    expect(readInsight({ data: null, errors: [{ message: 'Insight not found' }] })).toEqual({
      ok: false,
      problems: [{ path: ['data'], message: 'the envelope holds no Insight (its errors: Insight not found); send the Insight, or { "data": <Insight>, "errors": [] }' }],
    });
  });

  it('parses an event with the envelope into the bare Insight, and refuses a missing id naming the field', () => {
    const envelope = vendorFixture<{ data: Insight }>('sumologic/api-insight-status.json');
    const event = parseEvent({ type: 'insight.closed', insight: envelope });
    expect(event).toEqual({ type: 'insight.closed', insight: envelope.data });
    const noId = Object.fromEntries(Object.entries(publishedInsight()).filter(([k]) => k !== 'id'));
    expect(() => parseEvent({ type: 'insight.created', insight: noId })).toThrow(/^insight\.id: /);
  });

  it('reads zone-less Cloud SIEM times as UTC and sends them with a zone', () => {
    expect(utcTimestamp('2024-09-05T20:25:59.673356')).toBe('2024-09-05T20:25:59.673Z');
    expect(utcTimestamp('2021-02-22T16:27:51')).toBe('2021-02-22T16:27:51.000Z');
    expect(utcTimestamp('2026-11-23T03:00:00+02:00')).toBe('2026-11-23T01:00:00.000Z');
    expect(utcTimestamp(null)).toBeUndefined();
    expect(utcTimestamp('yesterday')).toBeUndefined();
    const view = insightView(publishedInsight());
    expect([view.created, view.timestamp, view.closed]).toEqual(['2024-09-05T20:25:59.673Z', '2024-09-05T20:25:51.043Z', undefined]);
  });
});

describe('the view of an Insight', () => {
  it('gives the published Insight entity, its only stage, the link from the configured base URL, and its Signals without Records', () => {
    const view = insightView(publishedInsight(), { cloudSiemUrl: `${CLOUD_SIEM_URL}/` });
    expect(view).toMatchObject({
      id: '8e965194-f2da-36e0-839d-c2bacffca684',
      readableId: 'INSIGHT-637',
      name: 'Unspecified Malicious Activity',
      severity: 'HIGH',
      status: 'new',
      closedState: false,
      entity: { entityType: '_ip', value: '192.0.2.0', text: '_ip 192.0.2.0' },
      // Every Signal of the published example maps to no tactic: Cloud SIEM says so, and so does the view.
      tactics: [{ name: 'Unknown/Other', label: 'Unknown/Other' }],
      techniques: [],
      link: `${CLOUD_SIEM_URL}/sec/insight/8e965194-f2da-36e0-839d-c2bacffca684`,
      recordCount: 0,
    });
    expect(view.signals.map((s) => s.ruleId)).toEqual(['AGGREGATION-U07128', 'CHAIN-U07162', 'FIRST-U00161', 'THRESHOLD-U07169']);
    expect(insightView(publishedInsight()).link).toBeUndefined();
  });

  it('names the tactics of the API Insight from its Signals stages, with their ATT&CK ids, and reads its entity from the older form', () => {
    const { data } = vendorFixture<{ data: Insight }>('sumologic/api-insight-details.json');
    const view = insightView(data);
    expect(view.tactics.map((t) => t.label)).toEqual(['Defense Evasion (TA0005)', 'Execution (TA0002)', 'Initial Access (TA0001)', 'Command and Control (TA0011)']);
    expect(view.entity).toEqual({ entityType: '_hostname', value: 'testcomputer.somedomain.net', hostname: 'testcomputer.somedomain.net', text: '_hostname testcomputer.somedomain.net' });
    expect([view.status, view.closedState, view.closed]).toEqual(['closed', true, '2021-03-23T20:06:51.511Z']);
    const status = vendorFixture<{ data: Insight }>('sumologic/api-insight-status.json').data;
    expect(insightView(status).entity.text).toBe('_ip 1.2.34.5');
  });

  it('takes tactics and techniques from the _mitreAttackTactic and _mitreAttackTechnique tags, keeping the stage name Cloud SIEM shows', () => {
    const page = vendorFixture<{ data: { objects: Insight['signals'] } }>('sumologic/api-insight-signals.json');
    const insight = { ...sampleInsight(), tags: ['_mitreAttackTactic:TA0040'], signals: page.data.objects } as Insight;
    const view = insightView(insight);
    expect(view.tactics.map((t) => t.label)).toEqual(['Persistence (TA0003)', 'Defense Evasion (TA0005)', 'Impact (TA0040)']);
    expect(view.techniques).toEqual(['T1098', 'T1578']);
    // A tag alone names the tactic as ATT&CK publishes it today.
    expect(insightView({ ...insight, tags: [], signals: [{ id: 's', tags: ['_mitreAttackTactic:TA0005'] }] } as Insight).tactics).toEqual([{ id: 'TA0005', name: 'Stealth', label: 'Stealth (TA0005)' }]);
    expect(tacticByName('defense evasion')?.id).toBe('TA0005');
    expect(tacticById('ta0112')?.name).toBe('Defense Impairment');
  });

  it('reads Records where Cloud SIEM puts them, each Signal\'s allRecords', () => {
    expect(insightRecords(sampleInsight()).map((r) => [r.signalId, r.record.uid])).toEqual([
      ['sig-1', 'r1'],
      ['sig-2', 'r2'],
    ]);
    expect(insightRecords(vendorFixture<{ data: Insight }>('sumologic/api-insight-status.json').data)).toHaveLength(4);
    expect(insightRecords(publishedInsight())).toEqual([]);
  });

  it('keeps every hostile value as data: the link stays one path segment under the base, the summary escapes what it shows', () => {
    for (const [name, value] of hostileValues) {
      const insight = { ...sampleInsight(), id: value.replace(/[\u0000-\u001f\u007f]/g, '') || 'x', name: value, entity: { entityType: '_ip', value }, signals: [{ id: 's', stage: value, tags: [value] }] } as Insight;
      if (!readInsight(insight).ok) continue;
      const view = insightView(insight, { cloudSiemUrl: CLOUD_SIEM_URL });
      const link = new URL(view.link ?? '');
      expect({ name, origin: link.origin, segments: link.pathname.split('/').length, query: link.search, hash: link.hash }).toEqual({ name, origin: CLOUD_SIEM_URL, segments: 4, query: '', hash: '' });
      const summary = insightSummary(view);
      expect({ name, html: summary.html.includes('<script>') }).toEqual({ name, html: false });
      expect({ name, mrkdwn: /<!here>|<@U/.test(summary.mrkdwn) }).toEqual({ name, mrkdwn: false });
      // Teams: the Adaptive Card shows Insight text in text runs only (no Markdown, no mention);
      // the MessageCard, which has no literal mode, keeps no character Teams reads as Markdown or HTML.
      const body = (adaptiveCard(summary) as { attachments: { content: { body: { type: string; inlines?: { type: string; text: string }[] }[] } }[] }).attachments[0].content.body;
      expect({ name, elements: [...new Set(body.map((e) => e.type))], runs: [...new Set(body.flatMap((e) => e.inlines ?? []).map((r) => r.type))] }).toEqual({ name, elements: ['RichTextBlock'], runs: ['TextRun'] });
      const legacy = messageCard(summary) as { title: string; summary: string; sections: { markdown: boolean; facts: { name: string; value: string }[] }[] };
      const shown = [legacy.title, legacy.summary, ...legacy.sections[0].facts.flatMap((f) => [f.name, f.value])].join('\n');
      expect({ name, formatting: shown.match(/[\\*[\]`#<>~&]/g) ?? [], markdown: legacy.sections[0].markdown }).toEqual({ name, formatting: [], markdown: false });
    }
  });
});

describe('the Insight JSON actions send', () => {
  it('is the Insight as sent when Signals and Records are asked for, key order included', () => {
    const insight = sampleInsight();
    expect(JSON.stringify(insightJson(insight, { signals: true, records: true }))).toBe(JSON.stringify(insight));
  });

  it('drops the Signals without signals, every allRecords without records, and keeps only the named Record fields', () => {
    const insight = sampleInsight();
    expect(insightJson(insight, { signals: false, records: true })).not.toHaveProperty('signals');
    const noRecords = insightJson(insight, { signals: true, records: false }) as { signals: Record<string, unknown>[] };
    expect(noRecords.signals.map((s) => Object.keys(s).includes('allRecords'))).toEqual([false, false]);
    expect(noRecords.signals[0]).toEqual(Object.fromEntries(Object.entries((insight.signals ?? [])[0]).filter(([k]) => k !== 'allRecords')));
    const picked = insightJson(insight, { signals: true, records: true, recordFields: ['uid', 'dstDevice_ip'] }) as { signals: { allRecords: unknown[] }[] };
    expect(picked.signals.map((s) => s.allRecords)).toEqual([[{ uid: 'r1', dstDevice_ip: '203.0.113.77' }], [{ uid: 'r2', dstDevice_ip: '203.0.113.77' }]]);
  });
});
