// teams.notify: the Insight summary sent to a Microsoft Teams webhook (Workflows or incoming webhook) as an Adaptive Card or a MessageCard.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { actionFailure, type FailureType } from '../shared/errors';
import { deliverOnce, originOf, type ActivityDeps } from '../shared/deps';
import { callPeer, type PeerRequest, type PeerResponse } from '../shared/http';
import { insightOf, webhookAccess } from '../shared/insight/insight';
import { insightSummary, type InsightSummary } from '../shared/insight/summary';
import { maskSecrets } from '../shared/secrets';
import { httpUrl } from '../shared/insight/urls';
import { adaptiveCardMessage } from '../shared/teams-card';

const THEME_BY_SEVERITY: Record<string, string> = { LOW: '808080', MEDIUM: 'FFC000', HIGH: 'FF4500', CRITICAL: 'C00000' };

/**
 * Longest text riposte puts in one card field. Teams refuses messages above about 28 KB
 * (learn.microsoft.com/connectors/teams, "Message size limit"); with every field capped the
 * whole card stays far below it, whatever an Insight's name or entity holds.
 */
const MAX_FIELD = 2000;

function clip(text: string): string {
  const points = [...text];
  return points.length <= MAX_FIELD ? text : `${points.slice(0, MAX_FIELD - 1).join('')}…`;
}

function facts(s: InsightSummary): { label: string; value: string }[] {
  return [
    { label: 'Entity', value: clip(s.entity) },
    { label: 'MITRE tactics', value: clip(s.tactics.join(', ') || 'none') },
    { label: 'Severity', value: clip(String(s.severity)) },
  ];
}

/**
 * The characters Teams reads as formatting in a MessageCard: the Markdown of its "Format cards in
 * Microsoft Teams" page (bold and italic, headings, strike-through, code, links and images, which
 * need `[`) and the HTML it says connector cards take (tags and entities). Microsoft documents no way to show a
 * MessageCard field literally (the Outlook card reference says only "be sure to escape Markdown
 * special characters", without saying how, and backslash escapes render differently on its
 * mobile clients), so each becomes the full-width form of the same character, which no Markdown
 * or HTML parser reads. `_` stays: Cloud SIEM writes it in every entity type (`_ip`), and italics
 * carry no link.
 */
const MESSAGECARD_FORMATTING = /[\\*[\]`#<>~&]/g;

/** Text from an Insight as a MessageCard shows it: the same words, no formatting, link, HTML or mention. */
export function plainMessageCardText(text: string): string {
  return text.replace(MESSAGECARD_FORMATTING, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
}

/** The legacy Office 365 connector card, for incoming webhooks that still take it (`card: "messagecard"`). */
export function messageCard(s: InsightSummary): object {
  const plain = (text: string) => plainMessageCardText(clip(text));
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: plain(s.title),
    themeColor: THEME_BY_SEVERITY[String(s.severity)] ?? THEME_BY_SEVERITY.MEDIUM,
    title: plain(s.title),
    // `markdown: false` is documented in the Bot Framework's O365ConnectorCardSection ("Use markdown for all text contents. Default value is true"); what Teams does with it is not, hence the plain text too.
    sections: [{ markdown: false, facts: facts(s).map((f) => ({ name: f.label, value: plainMessageCardText(f.value) })) }],
    ...(httpUrl(s.link) ? { potentialAction: [{ '@type': 'OpenUri', name: 'Open the Insight', targets: [{ os: 'default', uri: httpUrl(s.link) }] }] } : {}),
  };
}

/**
 * The message Microsoft documents for posting an Adaptive Card to a webhook
 * (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using,
 * "Send Adaptive Cards using an incoming webhook"): `type: "message"` with one attachment of
 * content type `application/vnd.microsoft.card.adaptive`. Workflows webhooks accept this format
 * only, so it is the default.
 *
 * Teams reads Markdown in a TextBlock and in a FactSet's titles and values ("Format cards in
 * Microsoft Teams"), and a mention is written `<at>…</at>` there. Text from the Insight therefore
 * goes into RichTextBlock text runs, of which the Adaptive Card schema says "Markdown is not
 * supported" (TextRun.text in microsoft/AdaptiveCards schemas/1.4.0/adaptive-card.json, whose
 * TextRun also takes the `weight` and `size` used here), as in approval.request's card: an
 * Insight named `[Review](https://…)` shows those characters, and the only link is the button.
 */
export function adaptiveCard(s: InsightSummary): object {
  const link = httpUrl(s.link);
  return adaptiveCardMessage(
    [
      { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: clip(s.title), weight: 'Bolder', size: 'Medium' }] },
      ...facts(s).map((f) => ({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: `${f.label}: `, weight: 'Bolder' }, { type: 'TextRun', text: f.value }] })),
    ],
    link ? [{ type: 'Action.OpenUrl', title: 'Open the Insight', url: link }] : undefined,
  );
}

/** How Teams words a failed delivery in a 200 answer. */
const FAILED = 'Webhook message delivery failed with error:';

/**
 * Reads a Teams answer. Teams answers `200` even when it did not deliver the message, with the
 * text `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error
 * 429 with ContextId …` in the body: Microsoft's own guidance is to read the body, as "Connectors
 * do not throw 429s" (connectors-using.md, "Rate limiting for connectors"), and its staff confirm
 * the 200 is by design (MicrosoftDocs/msteams-docs#1810, #4145). Such an answer is a failure: the
 * HTTP status it names decides, as `callPeer` would for a real status (429 and 5xx retried,
 * other 4xx not); a failure that names no status (Teams could not reach its own endpoint) is
 * retried. Undefined for a delivery.
 */
export function teamsFailure(response: Pick<PeerResponse, 'status' | 'text'>): { type: FailureType; status?: number; detail: string } | undefined {
  const text = response.text.trim();
  if (!text.startsWith(FAILED)) return undefined;
  const detail = text.slice(FAILED.length).trim().replace(/\s+/g, ' ').slice(0, 300);
  const named = /returned HTTP error (\d{3})\b/.exec(text);
  const status = named ? Number(named[1]) : undefined;
  const type: FailureType = status === undefined || status === 408 || status === 429 || status >= 500 ? 'PeerUnavailableError' : 'PeerRejectedError';
  return { type, ...(status !== undefined ? { status } : {}), detail };
}

/** The card's POST to the webhook URL of the step's http connection: an Adaptive Card unless the step asks for `card: "messagecard"`. */
export function buildTeamsRequest(deps: ActivityDeps, request: ActionRequest<'teams.notify'>): PeerRequest {
  const summary = insightSummary(insightOf(request));
  return teamsCardRequest(deps, request, request.params.card === 'messagecard' ? messageCard(summary) : adaptiveCard(summary));
}

/** The webhook call that posts a card, with the step's http connection. */
function teamsCardRequest(deps: ActivityDeps, request: ActionRequest, card: object): PeerRequest {
  const access = webhookAccess(deps, request);
  const headers = { ...access.headers, 'content-type': 'application/json' };
  return { origin: originOf(request), network: deps.config.network, url: access.url, method: 'POST', headers, body: JSON.stringify(card), tls: access.tls, secrets: access.secrets };
}

/** Posts the card {@link buildTeamsRequest} builds, once per run and step, and reads Teams' answer. */
export function notifyTeamsAction(deps: ActivityDeps) {
  return async function notifyTeams(request: ActionRequest<'teams.notify'>): Promise<ActionOutputs['teams.notify']> {
    const summary = insightSummary(insightOf(request));
    const legacy = request.params.card === 'messagecard';
    return sendTeamsCard(deps, request, legacy ? messageCard(summary) : adaptiveCard(summary), legacy);
  };
}

/** Posts a card to the webhook URL of the step's http connection, once per idempotency key (approval.request's channels use it too). */
export async function sendTeamsCard(deps: ActivityDeps, request: ActionRequest, card: object, legacy: boolean): Promise<ActionOutputs['teams.notify']> {
  const origin = originOf(request);
  const peerRequest = teamsCardRequest(deps, request, card);
  // The failure is thrown inside the delivery, so a 200 that did not deliver is never recorded as sent.
  return deliverOnce(deps, request, async () => {
    const response = await callPeer(peerRequest);
    const failed = teamsFailure(response);
    if (failed) {
      const hint = failed.status === 413 ? ' (the card is too large for Teams)' : failed.status === 400 && legacy ? ' (a Workflows webhook takes Adaptive Cards only: remove card: "messagecard")' : '';
      throw actionFailure(failed.type, maskSecrets(`${origin}: Teams answered ${response.status} but did not deliver the message: ${failed.detail}${hint}`, peerRequest.secrets ?? []));
    }
    return { status: response.status };
  });
}
