// What the outbound test peers check and answer, from each vendor's published constraints and examples (test/fixtures/vendor/SOURCES.md).
import fs from 'node:fs';
import path from 'node:path';
import type { Connection } from '../config/config';
import { startPeer, type Received } from './loopback';

const VENDOR = path.join(__dirname, 'fixtures', 'vendor');

/** A vendor fixture as text. */
export function vendorText(file: string): string {
  return fs.readFileSync(path.join(VENDOR, file), 'utf8');
}

/** A vendor fixture parsed as JSON. */
export function vendorJson<T = unknown>(file: string): T {
  return JSON.parse(vendorText(file)) as T;
}

const slackLimits = vendorJson<{ messageBlocks: number; sectionTextMin: number; sectionTextMax: number; headerTextMax: number; messageTextMax: number }>('slack/limits.json');

/**
 * The special sequences a Slack message can hold (api.slack.com/docs/message-formatting,
 * "Control sequences"): `<!here>`, `<!channel>`, `<!everyone>`, `<!subteam^…>`, `<@U…>`,
 * `<#C…>`, and links `<url|label>`. Everything between `<` and `>`, as Slack parses it.
 */
export function slackSequences(text: string): string[] {
  return [...text.matchAll(/<([^<>]*)>/g)].map((m) => m[1]);
}

/** The sequences that notify people: mentions of users, groups, the channel, here or everyone. */
export function slackMentions(text: string): string[] {
  return slackSequences(text).filter((s) => /^[!@]/.test(s));
}

/** Text as a Slack client shows it: the three entities decoded, and `<url|label>` shown as its label. */
export function slackDisplayed(text: string): string {
  return text
    .replace(/<([^<>|]*)\|([^<>]*)>/g, '$2')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Problems Slack would have with a chat.postMessage JSON body: no channel, neither text nor
 * blocks, more blocks than a message holds, a section's or a header's text out of its length
 * range, `text` beyond what Slack keeps. Empty when Slack would take it whole.
 */
export function slackPostMessageProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof body.channel !== 'string' || body.channel === '') problems.push('channel_not_found: no channel');
  const blocks = body.blocks as { type: string; text?: { type: string; text: string } }[] | undefined;
  if (typeof body.text !== 'string' && !blocks) problems.push('no_text');
  if (typeof body.text === 'string' && body.text.length > slackLimits.messageTextMax) problems.push(`text longer than ${slackLimits.messageTextMax}`);
  if (blocks) {
    if (blocks.length > slackLimits.messageBlocks) problems.push(`invalid_blocks: more than ${slackLimits.messageBlocks} blocks`);
    blocks.forEach((b, i) => {
      const length = b.text?.text.length ?? 0;
      if (b.type === 'section' && (length < slackLimits.sectionTextMin || length > slackLimits.sectionTextMax)) problems.push(`invalid_blocks: blocks[${i}].text is ${length} characters`);
      if (b.type === 'header' && length > slackLimits.headerTextMax) problems.push(`invalid_blocks: blocks[${i}].text is ${length} characters`);
    });
  }
  return problems;
}

/** Teams' limit on one message, about 28 KB (learn.microsoft.com/connectors/teams, "Message size limit"). */
export const TEAMS_MAX_BYTES = 28 * 1024;

/**
 * Problems a Workflows webhook would have with a body: it takes the Adaptive Card message of
 * teams/adaptive-card-message.json only (`type: "message"`, attachments of the adaptive content
 * type whose content is an AdaptiveCard).
 */
export function teamsWorkflowsProblems(body: Record<string, unknown>): string[] {
  const example = vendorJson<{ type: string; attachments: { contentType: string; content: { type: string } }[] }>('teams/adaptive-card-message.json');
  const attachments = body.attachments as { contentType?: string; content?: { type?: string; body?: unknown[] } }[] | undefined;
  if (body.type !== example.type) return [`type must be "${example.type}"`];
  if (!Array.isArray(attachments) || attachments.length === 0) return ['attachments must hold the card'];
  return attachments.flatMap((a, i) => [
    ...(a.contentType !== example.attachments[0].contentType ? [`attachments[${i}].contentType must be ${example.attachments[0].contentType}`] : []),
    ...(a.content?.type !== example.attachments[0].content.type ? [`attachments[${i}].content.type must be AdaptiveCard`] : []),
    ...(!Array.isArray(a.content?.body) ? [`attachments[${i}].content.body must be a list`] : []),
  ]);
}

interface PagerdutyConstraints {
  required: string[];
  enums: Record<string, string[]>;
  maxLength: Record<string, number>;
  maxBytes: number;
  links: { required: string[] };
}

function at(value: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

/**
 * Problems PagerDuty's Events API v2 would answer 400 for: required fields, enums, lengths, the
 * size of the whole event, links without `href`. The timestamp must carry its zone, or the
 * instant it names depends on who reads it.
 */
export function pagerdutyProblems(raw: string): string[] {
  const c = vendorJson<PagerdutyConstraints>('pagerduty/enqueue-constraints.json');
  const problems: string[] = [];
  if (Buffer.byteLength(raw) > c.maxBytes) problems.push(`event larger than ${c.maxBytes} bytes`);
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return ['JSON parse error'];
  }
  for (const field of c.required) {
    const v = at(event, field);
    if (typeof v !== 'string' || v === '') problems.push(`${field} is required`);
  }
  for (const [field, values] of Object.entries(c.enums)) {
    const v = at(event, field);
    if (v !== undefined && !values.includes(String(v))) problems.push(`${field} must be one of ${values.join(', ')}`);
  }
  for (const [field, max] of Object.entries(c.maxLength)) {
    const v = at(event, field);
    if (typeof v === 'string' && [...v].length > max) problems.push(`${field} longer than ${max} characters`);
  }
  const timestamp = at(event, 'payload.timestamp');
  if (timestamp !== undefined && !(typeof timestamp === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(timestamp))) problems.push('payload.timestamp must be ISO 8601 with a zone');
  const links = event.links as Record<string, unknown>[] | undefined;
  if (links !== undefined && (!Array.isArray(links) || links.some((l) => c.links.required.some((k) => typeof l[k] !== 'string')))) problems.push('links need href');
  return problems;
}

/** PagerDuty's 400 body (the Error example of its OpenAPI reference) with the problems found. */
export function pagerdutyError(problems: string[]): Record<string, unknown> {
  const example = vendorJson<Record<string, unknown>>('pagerduty/enqueue-error.json');
  return { ...example, errors: problems };
}

interface HipchatNotification {
  properties: Record<string, { required: boolean; values?: string[]; minLength?: number; maxLength?: number }>;
}

/** Problems HipChat's send_notification would refuse: a missing or over-long message, a colour or format not in its lists. */
export function hipchatProblems(body: Record<string, unknown>): string[] {
  const spec = vendorJson<HipchatNotification>('hipchat/send-room-notification.json');
  const problems: string[] = [];
  for (const [name, p] of Object.entries(spec.properties)) {
    const v = body[name];
    if (v === undefined) {
      if (p.required) problems.push(`${name} is required`);
      continue;
    }
    if (p.values && !p.values.includes(String(v))) problems.push(`${name} must be one of ${p.values.join(', ')}`);
    if (typeof v === 'string' && ((p.minLength !== undefined && v.length < p.minLength) || (p.maxLength !== undefined && v.length > p.maxLength))) problems.push(`${name} must be ${p.minLength} to ${p.maxLength} characters`);
  }
  return problems;
}

/** One answer of a test peer. */
export type Answer = { status: number; headers?: Record<string, string>; body?: unknown };

/** The keys the vendor peer knows, in the environment variables its connections name. */
export const VENDOR_TOKENS = { RIPOSTE_TEST_VENDOR_PD_KEY: 'PDR0UT1NGs3cr3t0000000000000000', RIPOSTE_TEST_VENDOR_SLACK: 'xoxb-3333-4444-vendor-s3cr3t' };
/** The room token of the HipChat connections. */
export const HIPCHAT_ROOM_TOKEN = 'hipchat-s3cr3t-room-token';

/**
 * One loopback peer that answers as Teams (incoming and Workflows webhooks), Slack (chat.postMessage
 * and incoming webhooks), PagerDuty's Events API v2 and HipChat's room notification do, after
 * checking each request as the vendor documents; `connections` point at it. `exchange` clears what
 * the peer received and delivered, and runs `fn` with `respond` answering instead of the vendor's
 * success once a request passed the checks.
 */
export async function startVendorPeer() {
  Object.assign(process.env, VENDOR_TOKENS);
  /** Per request, the vendor answer to give after the peer's own checks passed; defaults to the vendor's success. */
  let script: (req: Received, n: number) => Answer | undefined = () => undefined;
  /** Messages the Teams and Slack peers accepted (a delivered message, as a user would see it in the channel). */
  const delivered: { vendor: string; body: Record<string, unknown> }[] = [];

  function teamsPeer(req: Received, n: number): Answer {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return { status: 400, body: 'Bad payload' };
    }
    // Teams answers 200 for a card it then fails to deliver, with the failure in the body.
    if (Buffer.byteLength(req.body) > TEAMS_MAX_BYTES) return { status: 200, body: vendorText('teams/failure-413.txt') };
    if (req.url.startsWith('/workflows/') && teamsWorkflowsProblems(body).length > 0) return { status: 200, body: vendorText('teams/failure-400.txt') };
    const scripted = script(req, n);
    if (scripted) return scripted;
    delivered.push({ vendor: 'teams', body });
    return { status: 200, body: vendorText('teams/incoming-webhook-ok.txt') };
  }

  function slackApiPeer(req: Received, n: number): Answer {
    if (req.headers.authorization !== `Bearer ${VENDOR_TOKENS.RIPOSTE_TEST_VENDOR_SLACK}`) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    const body = JSON.parse(req.body) as Record<string, unknown>;
    const problems = slackPostMessageProblems(body);
    if (problems.length > 0) return { status: 200, body: { ok: false, error: problems[0].split(':')[0], errors: problems } };
    const scripted = script(req, n);
    if (scripted) return scripted;
    delivered.push({ vendor: 'slack', body });
    return { status: 200, body: { ...vendorJson<Record<string, unknown>>('slack/chat.postMessage-ok.json'), channel: 'C1H9RESGL' } };
  }

  function slackHookPeer(req: Received, n: number): Answer {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return { status: 400, body: 'invalid_payload' };
    }
    if (typeof body.text !== 'string') return { status: 400, body: 'invalid_payload' };
    const scripted = script(req, n);
    if (scripted) return scripted;
    delivered.push({ vendor: 'slack-hook', body });
    return { status: 200, body: 'ok' };
  }

  function pagerdutyPeer(req: Received, n: number): Answer {
    const problems = pagerdutyProblems(req.body);
    const event = problems.includes('JSON parse error') ? {} : (JSON.parse(req.body) as { routing_key?: string; dedup_key?: string });
    if (event.routing_key !== VENDOR_TOKENS.RIPOSTE_TEST_VENDOR_PD_KEY) problems.push('routing_key unknown');
    if (problems.length > 0) return { status: 400, body: pagerdutyError(problems) };
    const scripted = script(req, n);
    if (scripted) return scripted;
    return { status: 202, body: { ...vendorJson<Record<string, unknown>>('pagerduty/enqueue-202.json'), dedup_key: event.dedup_key } };
  }

  const peer = await startPeer((req, n) => {
    if (req.url.startsWith('/teams/') || req.url.startsWith('/workflows/')) return teamsPeer(req, n);
    if (req.url.startsWith('/slack/api/')) return slackApiPeer(req, n);
    if (req.url.startsWith('/services/')) return slackHookPeer(req, n);
    if (req.url.startsWith('/pd/')) return pagerdutyPeer(req, n);
    if (req.url.startsWith('/hipchat/v2/room/')) {
      const problems = hipchatProblems(JSON.parse(req.body) as Record<string, unknown>);
      return problems.length > 0 ? { status: 400, body: { error: { code: 400, message: problems.join('; '), type: 'Bad Request' } } } : { status: 204 };
    }
    return { status: 404, body: 'not a vendor path' };
  });
  const connections: Record<string, Connection> = {
    teams: { type: 'http', url: `${peer.url}/teams/webhookb2/tw-s3cr3t-path` },
    workflows: { type: 'http', url: `${peer.url}/workflows/triggers/manual/paths/invoke?sig=tw-s3cr3t-path` },
    slack: { type: 'apikey', url: `${peer.url}/slack/api`, key: 'env:RIPOSTE_TEST_VENDOR_SLACK' },
    'slack-hook': { type: 'http', url: `${peer.url}/services/T000/B000/sh-s3cr3t-path` },
    pd: { type: 'apikey', url: `${peer.url}/pd`, key: 'env:RIPOSTE_TEST_VENDOR_PD_KEY' },
    'hipchat-cloud': { type: 'apikey', key: HIPCHAT_ROOM_TOKEN },
    'hipchat-server': { type: 'apikey', url: `${peer.url}/hipchat`, key: HIPCHAT_ROOM_TOKEN },
  };
  return {
    ...peer,
    delivered,
    connections,
    async exchange<T>(respond: (req: Received, n: number) => Answer | undefined, fn: () => Promise<T>): Promise<T> {
      peer.received.length = 0;
      delivered.length = 0;
      script = respond;
      try {
        return await fn();
      } finally {
        script = () => undefined;
      }
    },
  };
}

/** A peer started with {@link startVendorPeer}. */
export type VendorPeer = Awaited<ReturnType<typeof startVendorPeer>>;
