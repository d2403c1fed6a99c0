// Parameters of the Cloud SIEM Insight actions (SNS, XSOAR, HTTP POST v2, HipChat, Teams, PagerDuty, Slack, Recorded Future).
import { z } from 'zod';
import { secretRef } from './common';

/** The destination ports Sumo Logic Cloud SIEM allows for HTTP POST v2, unless configuration adds others. */
export const DEFAULT_ALLOWED_PORTS: readonly number[] = [80, 8080, 443, 8443, 8000];

/** The port a URL reaches: the explicit one, or the scheme's default. Undefined for an unparsable URL. */
export function destinationPort(url: string): number | undefined {
  const match = /^(https?):\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?(?:[/?#]|$)/i.exec(url);
  if (!match) return undefined;
  if (match[3]) return Number(match[3]);
  return match[1].toLowerCase() === 'https' ? 443 : 80;
}

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'not a valid header name' });

/** Headers a chain may not set because the connector sets them. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set(['authorization', 'content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);

const extraHeaders = z.record(headerName, z.string()).superRefine((headers, ctx) => {
  for (const name of Object.keys(headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: `header "${name}" is set by the action and cannot be overridden` });
  }
});

/**
 * Parses line-delimited `key: value` headers (the XSOAR "Extra Headers" field). Returns the
 * headers, or the problems with their line numbers.
 */
export function parseHeaderLines(text: string): { headers: Record<string, string>; problems: string[] } {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      problems.push(`line ${i + 1}: write one header per line as key: value`);
      return;
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      problems.push(`line ${i + 1}: header "${name}" is set by the action and cannot be overridden`);
      return;
    }
    headers[name] = line.slice(colon + 1).trim();
  });
  return { headers, problems };
}

const headerLines = z.string().superRefine((text, ctx) => {
  for (const message of parseHeaderLines(text).problems) ctx.addIssue({ code: 'custom', message });
});

/**
 * What is wrong with an SNS subject, or undefined. The rule is the Publish API's: "Subjects must
 * be UTF-8 text with no line breaks or control characters, and less than 100 characters long"
 * (PublishInput.Subject in the model of @aws-sdk/client-sns 3.1169, the version riposte ships).
 * Earlier editions of the API reference also required ASCII starting with a letter, number or
 * punctuation mark; SNS no longer documents that, so riposte does not refuse what SNS accepts.
 */
export function snsSubjectProblem(subject: string): string | undefined {
  const rule = 'SNS subjects must be 1 to 99 characters of text with no line breaks or control characters';
  if (subject.length === 0) return `${rule}; this one is empty`;
  if (subject.length >= 100) return `${rule}; this one has ${subject.length} characters`;
  // C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
  const bad = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.exec(subject)?.[0];
  if (bad !== undefined) return `${rule}; this one contains ${bad === '\n' || bad === '\r' || bad === '\u2028' || bad === '\u2029' ? 'a line break' : 'a control character'} (U+${bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  return undefined;
}

const snsSubject = z
  .string()
  // min and max also give editors the lengths through the JSON Schema; the message is the rule's.
  .min(1, { error: (issue) => snsSubjectProblem(String(issue.input)) })
  .max(99, { error: (issue) => snsSubjectProblem(String(issue.input)) })
  .superRefine((subject, ctx) => {
    const problem = subject.length > 0 && subject.length < 100 ? snsSubjectProblem(subject) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** sns.publish parameters (CSE "AWS Simple Notification Service"). Keys and the role live in an aws connection. */
export const snsPublishParams = z
  .object({
    topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, { message: 'not an SNS topic ARN; write arn:aws:sns:REGION:ACCOUNT:TOPIC' }),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'not an AWS region; write e.g. eu-west-1' }).optional(),
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { message: 'not a role ARN; write arn:aws:iam::123456789012:role/NAME' }).optional(),
    subject: snsSubject.optional(),
  })
  .strict();

/** xsoar.incident parameters (CSE "Demisto (Cortex XSOAR)"). API key, URL and client certificate live in an apikey connection. */
export const xsoarIncidentParams = z
  .object({
    endpoint: z.literal('/incident/json', { message: 'the create-incident endpoint is /incident/json' }).default('/incident/json'),
    extraHeaders: headerLines.optional(),
    excludeRecords: z.boolean().default(false),
  })
  .strict();

/** http.post parameters (CSE "HTTP POST v2"). */
export const httpPostParams = z
  .object({
    url: z.string().regex(/^https?:\/\/[^\s/?#]+[^\s]*$/i, { message: 'write an http:// or https:// URL' }).optional(),
    username: z.string().min(1).optional(),
    password: secretRef.optional(),
    headers: extraHeaders.optional(),
    includeSignals: z.boolean().default(false),
    includeRecords: z.boolean().default(false),
    recordFields: z
      .union([z.string(), z.array(z.string().min(1))])
      .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((f) => f.trim()).filter(Boolean))
      .optional(),
  })
  .strict()
  .refine((p) => p.password === undefined || p.username !== undefined, { message: 'a password needs a username', path: ['username'] });

/** hipchat.notify parameters (CSE "HipChat", API v2 room notification). */
export const hipchatNotifyParams = z
  .object({
    room: z.string().min(1, { message: 'give the room id or name' }).max(100),
    color: z.enum(['yellow', 'green', 'red', 'purple', 'gray', 'random']).optional(),
    notify: z.boolean().default(false),
  })
  .strict();

/**
 * teams.notify parameters (CSE "Microsoft Teams"). The webhook URL lives in an http connection. The
 * Adaptive Card is the default: Workflows webhooks take nothing else, and Microsoft is retiring
 * the Office 365 connectors that took MessageCards.
 */
export const teamsNotifyParams = z
  .object({
    card: z.enum(['adaptive', 'messagecard']).default('adaptive'),
  })
  .strict();

/**
 * pagerduty.trigger parameters (CSE "PagerDuty", Events API v2). The service (routing) key lives in
 * an apikey connection. `subdomain` is the Cloud SIEM form's field and is accepted for it, but the
 * Events API needs no account subdomain (the routing key names the service), so nothing uses it.
 */
export const pagerdutyTriggerParams = z
  .object({
    subdomain: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/i, { message: 'write the account subdomain only, e.g. acme for acme.pagerduty.com' }).optional(),
    severity: z.enum(['critical', 'error', 'warning', 'info']).optional(),
  })
  .strict();

/** slack.post parameters (CSE "Slack", Web API chat.postMessage). The token lives in an apikey connection. */
export const slackPostParams = z
  .object({
    channel: z.string().min(1, { message: 'give a channel id or #name' }),
  })
  .strict();

/** slack.webhook parameters (CSE "Slack Webhook"). The webhook URL lives in an http connection. */
export const slackWebhookParams = z.object({}).strict();

/** recordedfuture.enrich parameters (CSE "Recorded Future"). */
export const recordedFutureEnrichParams = z
  .object({
    enrichInsight: z.boolean().default(true),
    enrichSignals: z.boolean().default(false),
    /** Record fields to read indicators from; by default every field (domains only from host-like fields). */
    fields: z.array(z.string().min(1)).optional(),
    cacheTtl: z.string().regex(/^\d+(ms|s|m|h|d)$/, { message: 'write a duration such as 30m, 12h or 7d' }).default('24h'),
    maxLookups: z.int().min(1).max(1000).default(50),
  })
  .strict()
  .refine((p) => p.enrichInsight || p.enrichSignals, { message: 'enable enrichInsight, enrichSignals or both', path: ['enrichInsight'] });

/** sns.publish output. */
export interface SnsPublishOutput {
  messageId: string;
}
/** xsoar.incident output. */
export interface XsoarIncidentOutput {
  incidentId: string;
}
/** Output of the actions that answer with a status only. */
export interface StatusOutput {
  status: number;
}
/** pagerduty.trigger output. */
export interface PagerdutyTriggerOutput {
  dedupKey: string;
  status: number;
}
/** slack.post output. */
export interface SlackPostOutput {
  ts: string;
  channel: string;
}
/** One indicator's lookup attached to the Insight or one of its Signals. */
export interface Enrichment {
  target: 'insight' | 'signal';
  targetId: string;
  type: 'ip' | 'domain' | 'hash';
  indicator: string;
  source: 'recordedfuture';
  found: boolean;
  riskScore: number | null;
  criticality: string | null;
  riskSummary: string | null;
  rules: string[];
}
/** recordedfuture.enrich output. */
export interface RecordedFutureEnrichOutput {
  enrichments: Enrichment[];
  /** API calls made (each spends credits). */
  lookups: number;
  /** Indicators answered from the cache. */
  cacheHits: number;
  /** Indicators left unlooked-up because the run reached `maxLookups`. */
  skipped: number;
}
