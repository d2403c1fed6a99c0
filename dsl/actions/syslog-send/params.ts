// Parameters of syslog.send (RFC 5424 message fields) and the syslog connection it brings to the configuration.
import { z } from 'zod';
import { tlsFiles } from '../shared/common';

/** RFC 5424 section 6.2.1: facility names and codes (0-23). */
export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'audit', 'alert', 'clock', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** RFC 5424 section 6.2.1: severity names and codes (0-7). */
export const SEVERITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'] as const;

/** PRINTUSASCII (%d33-126) of RFC 5424 section 6. */
export const PRINTUSASCII = /^[\x21-\x7e]+$/;

/** RFC 5424 section 6: the longest HOSTNAME, APP-NAME, PROCID and MSGID. */
export const HEADER_LIMITS = { hostname: 255, appName: 48, procId: 128, msgId: 32 } as const;

/** An SD-NAME (SD-ID and PARAM-NAME): 1 to 32 PRINTUSASCII except '=', SP, ']' and '"'. */
export const SD_NAME = /^[\x21-\x7e]{1,32}$/;
const SD_NAME_EXCLUDED = /[= \]"]/;

/** The SD-IDs IANA registered (RFC 5424 section 7); any other SD-ID is `name@<private enterprise number>`. */
export const IANA_SD_IDS = ['timeQuality', 'origin', 'meta'] as const;

/** One of a fixed list of names, or its code as a number or as text (what a token renders). */
function coded<const T extends readonly [string, ...string[]]>(names: T) {
  const codes = names.map((_, i) => String(i)) as [string, ...string[]];
  const message = `write one of ${names.join(', ')} (or its code 0-${names.length - 1})`;
  return z
    .union([z.int().min(0).max(names.length - 1), z.enum([...names, ...codes] as [string, ...string[]])], { message })
    .transform((v) => (typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : (names as readonly string[]).indexOf(v)));
}

/** A header field: PRINTUSASCII only, at most `max` octets (RFC 5424 section 6.2); a token's value is checked once rendered. */
function headerField(field: string, max: number) {
  return z
    .string()
    .min(1, { message: `${field} rendered empty; leave it out for the NILVALUE "-"` })
    .max(max, { message: `${field} is at most ${max} characters (RFC 5424)` })
    .regex(PRINTUSASCII, { message: `${field} holds a space, a control character or a character outside US-ASCII; RFC 5424 allows printable US-ASCII (33-126) only` });
}

/** Why `name` is not an SD-NAME (SD-ID or PARAM-NAME: 1 to 32 PRINTUSASCII except '=', SP, ']', '"'), or undefined. */
function sdNameProblem(name: string, what: string): string | undefined {
  if (!SD_NAME.test(name) || SD_NAME_EXCLUDED.test(name)) return `${what} "${name}" is not an RFC 5424 SD-NAME: 1 to 32 printable US-ASCII characters, no "=", space, "]" or '"'`;
  return undefined;
}

/** STRUCTURED-DATA as SD-ID -> PARAM-NAME -> value; the names are checked here, the values escaped when sent. */
const structuredData = z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).superRefine((elements, ctx) => {
  for (const [id, params] of Object.entries(elements)) {
    const idProblem = sdNameProblem(id, 'the SD-ID');
    if (idProblem) ctx.addIssue({ code: 'custom', path: [id], message: idProblem });
    else if (!(IANA_SD_IDS as readonly string[]).includes(id) && !/^[^@]+@\d+(\.\d+)*$/.test(id)) {
      ctx.addIssue({ code: 'custom', path: [id], message: `an SD-ID is one IANA registered (${IANA_SD_IDS.join(', ')}) or name@<private enterprise number>, e.g. "riposte@32473"` });
    }
    for (const name of Object.keys(params)) {
      const problem = sdNameProblem(name, 'the PARAM-NAME');
      if (problem) ctx.addIssue({ code: 'custom', path: [id, name], message: problem });
    }
  }
});

/** syslog.send parameters. Where the message goes (host, port, transport, TLS) lives in a syslog connection. */
export const syslogSendParams = z
  .object({
    message: z.string().describe('the MSG text (tokens allowed); sent as UTF-8 after a BOM, truncated at the connection\'s maxMessageBytes'),
    facility: coded(FACILITIES).prefault('user').describe('facility name or code: kern, user, ..., local0-local7'),
    severity: coded(SEVERITIES).prefault('notice').describe('severity name or code: emergency (0) ... debug (7)'),
    appName: headerField('appName', HEADER_LIMITS.appName).default('riposte').describe('APP-NAME'),
    procId: headerField('procId', HEADER_LIMITS.procId).optional().describe('PROCID; "-" when absent'),
    msgId: headerField('msgId', HEADER_LIMITS.msgId).optional().describe('MSGID, e.g. the rule id; "-" when absent'),
    hostname: headerField('hostname', HEADER_LIMITS.hostname).optional().describe('HOSTNAME; the connection\'s hostname, else the worker\'s host name'),
    structuredData: structuredData
      .optional()
      .describe('SD-ID -> { PARAM-NAME: value }; values may hold tokens and are escaped (\\" \\\\ \\])'),
  })
  .strict();

export type SyslogSendParams = z.output<typeof syslogSendParams>;

/** syslog.send output. */
export interface SyslogSendOutput {
  transport: 'udp' | 'tcp' | 'tls';
  /** Octets of the SYSLOG-MSG sent (the frame's MSG-LEN over TCP and TLS). */
  octets: number;
  /** True when MSG was cut to fit the connection's maxMessageBytes. */
  truncated: boolean;
}

/** The default port of each transport: 514/udp (RFC 5426), 514/tcp (as RFC 6587 deployments use it), 6514/tcp for TLS (RFC 5425). */
export const DEFAULT_PORTS = { udp: 514, tcp: 514, tls: 6514 } as const;

/**
 * The default longest SYSLOG-MSG: 2048 octets over UDP (RFC 5426 section 3.2: receivers SHOULD
 * accept it), 8192 over TCP and TLS (RFC 5425 section 4.3.1: receivers SHOULD accept it).
 */
export const DEFAULT_MAX_MESSAGE = { udp: 2048, tcp: 8192, tls: 8192 } as const;

/** A syslog collector, as riposte.config.json names it: `connections.NAME` with `"type": "syslog"`. */
export const syslogConnection = z
  .object({
    type: z.literal('syslog'),
    host: z.string().min(1),
    transport: z.enum(['udp', 'tcp', 'tls']).default('tls'),
    port: z.int().min(1).max(65_535).optional(),
    /** The HOSTNAME riposte writes, unless a step gives one: this worker's name as the collector should know it. */
    hostname: headerField('hostname', HEADER_LIMITS.hostname).optional(),
    maxMessageBytes: z.int().min(480).max(1_048_576).optional(),
    tls: tlsFiles.optional(),
  })
  .strict();

export type SyslogConnection = z.output<typeof syslogConnection>;
