// The one Insight summary (entity, MITRE tactics, link) that Slack, HipChat, Teams, PagerDuty and e-mail send.
import type { InsightSeverity, InsightView } from '../../../dsl';

/** The facts of a summary, and ready-made renderings of them. */
export interface InsightSummary {
  /** `INSIGHT-123: Name`. */
  title: string;
  /** `_ip 10.0.0.5 (host01)`. */
  entity: string;
  /** Tactic labels, `Initial Access (TA0001)`, in order of first appearance. */
  tactics: string[];
  /** The Insight's page in Cloud SIEM, when `cloudSiem.url` is configured. */
  link?: string;
  severity: InsightSeverity;
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
 * Builds the summary Sumo Logic's Cloud SIEM Actions describe: the entity the Insight fired on, the MITRE tactics (from
 * the Signals' stages and MITRE tags, named, with their ATT&CK ids), and a link to the Insight.
 */
export function insightSummary(view: InsightView): InsightSummary {
  const tactics = view.tactics.map((t) => t.label);
  const entity = view.entity.text;
  const title = `${view.readableId}: ${view.name}`;
  const tacticText = tactics.length > 0 ? tactics.join(', ') : 'none';
  const link = view.link;
  const text = [`${title} [${view.severity}]`, `Entity: ${entity}`, `MITRE tactics: ${tacticText}`, `Link: ${link ?? 'not given'}`].join('\n');
  const mrkdwn = [
    `*${link ? `<${link}|${escapeMrkdwn(title)}>` : escapeMrkdwn(title)}* [${view.severity}]`,
    `*Entity:* ${escapeMrkdwn(entity)}`,
    `*MITRE tactics:* ${escapeMrkdwn(tacticText)}`,
    ...(link ? [`*Link:* ${link}`] : []),
  ].join('\n');
  const html = [
    `<b>${escapeHtml(title)}</b> [${view.severity}]<br>`,
    `<b>Entity:</b> ${escapeHtml(entity)}<br>`,
    `<b>MITRE tactics:</b> ${escapeHtml(tacticText)}<br>`,
    link ? `<b>Link:</b> <a href="${escapeHtml(link)}">${escapeHtml(link)}</a>` : '<b>Link:</b> not given',
  ].join('\n');
  return { title, entity, tactics, link, severity: view.severity, text, mrkdwn, html };
}
