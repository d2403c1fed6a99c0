// The one Insight summary (entity, MITRE tactics, link) that Slack, HipChat, Teams, PagerDuty and e-mail send.
import type { Insight } from '../../dsl';

/** The facts of a summary, and ready-made renderings of them. */
export interface InsightSummary {
  /** `INSIGHT-123: Name`. */
  title: string;
  /** `ip 10.0.0.5 (host01)`. */
  entity: string;
  tactics: string[];
  /** The Insight's page in the SIEM, when the Insight carries it. */
  link?: string;
  severity: Insight['severity'];
  /** Plain text, one fact per line. */
  text: string;
  /** Slack mrkdwn. */
  mrkdwn: string;
  /** An HTML fragment (HipChat, e-mail); every value is escaped. */
  html: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const escapeMrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Builds the summary. The tactics are the Insight's own, or else those of its Signals, in order
 * of first appearance: the tactic is what the Insight id conveys about the ATT&CK stage.
 */
export function insightSummary(insight: Insight): InsightSummary {
  const tactics = insight.tactics.length > 0 ? [...insight.tactics] : [...new Set(insight.signals.flatMap((s) => s.tactics))];
  const e = insight.entity;
  const entity = `${e.entityType} ${e.value}${e.hostname && e.hostname !== e.value ? ` (${e.hostname})` : ''}`;
  const title = `${insight.readableId}: ${insight.name}`;
  const tacticText = tactics.length > 0 ? tactics.join(', ') : 'none';
  const link = insight.link;
  const text = [`${title} [${insight.severity}]`, `Entity: ${entity}`, `MITRE tactics: ${tacticText}`, `Link: ${link ?? 'not given'}`].join('\n');
  const mrkdwn = [
    `*${link ? `<${link}|${escapeMrkdwn(title)}>` : escapeMrkdwn(title)}* [${insight.severity}]`,
    `*Entity:* ${escapeMrkdwn(entity)}`,
    `*MITRE tactics:* ${escapeMrkdwn(tacticText)}`,
    ...(link ? [`*Link:* ${link}`] : []),
  ].join('\n');
  const html = [
    `<b>${escapeHtml(title)}</b> [${insight.severity}]<br>`,
    `<b>Entity:</b> ${escapeHtml(entity)}<br>`,
    `<b>MITRE tactics:</b> ${escapeHtml(tacticText)}<br>`,
    link ? `<b>Link:</b> <a href="${escapeHtml(link)}">${escapeHtml(link)}</a>` : '<b>Link:</b> not given',
  ].join('\n');
  return { title, entity, tactics, link, severity: insight.severity, text, mrkdwn, html };
}
