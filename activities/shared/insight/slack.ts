// Slack's text rules that slack.post and slack.webhook share: the three escapes, safe links and the Block Kit limits.
import { httpUrl } from './urls';

/**
 * The limits Slack documents for what riposte sends: a message holds at most 50 blocks
 * (docs.slack.dev/reference/block-kit/blocks), a section's text 1 to 3000 characters
 * (…/blocks/section-block), a header's 150 (…/blocks/header-block), and a message's `text`
 * is cut at 40,000 characters (api.slack.com/changelog/2018-04-truncating-really-long-messages).
 */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, messageText: 40_000 } as const;

/**
 * Escapes text for Slack: `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`, the three control
 * characters of Slack's formatting (api.slack.com/docs/message-formatting, "How to escape
 * characters"). What a log wrote then shows as written: `<!here>` mentions nobody, `<url|x>`
 * links nowhere. Slack asks for exactly these three and no other entity.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Shortens escaped text to at most `max` characters (UTF-16 units, never fewer than Slack
 * counts), ending with `…`. The cut never splits an entity (`&am`) or a surrogate pair, which
 * would leave a stray `&` or an invalid character behind.
 */
export function clipSlack(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let cut = escaped.slice(0, Math.max(0, max - 1));
  // Every `&` in escaped text opens an entity; drop one the cut left open.
  cut = cut.replace(/&[a-z]*$/, '');
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * A Slack link `<url|label>` when `url` is an http(s) URL, else the label alone; the label is
 * given already escaped. The URL is normalised by the WHATWG parser, `|` in it is
 * percent-encoded (Slack ends the URL at the first `|`) and the three control characters
 * escaped, so no part of it can open another sequence.
 */
export function slackLink(url: string | undefined, escapedLabel: string): string {
  const href = httpUrl(url);
  return href ? `<${escapeSlack(href.replace(/\|/g, '%7C'))}|${escapedLabel}>` : escapedLabel;
}
