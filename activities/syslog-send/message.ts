// RFC 5424 messages and their framing: the header, structured data, MSG, and octet counting for TCP and TLS.

/** What one message holds, after rendering and checking (header fields PRINTUSASCII, names SD-NAMEs). */
export interface SyslogFields {
  facility: number;
  severity: number;
  /** RFC 3339 time as RFC 5424 section 6.2.3 restricts it, or undefined for the NILVALUE. */
  timestamp?: string;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  structuredData?: Record<string, Record<string, string | number | boolean>>;
  /** MSG; absent or empty: no MSG part. */
  message?: string;
}

/** The UTF-8 byte order mark that starts a MSG-UTF8 (RFC 5424 section 6.4). */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** RFC 5424 section 6.3.3: '"', '\' and ']' in a PARAM-VALUE are escaped with a backslash. */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** A timestamp as RFC 5424 section 6.2.3 takes it: RFC 3339 with at most 6 fraction digits, upper-case T and Z. */
export function syslogTimestamp(date: Date): string {
  return date.toISOString();
}

function nil(value: string | undefined): string {
  return value === undefined || value === '' ? '-' : value;
}

/** STRUCTURED-DATA: the NILVALUE, or the SD-ELEMENTs with no space between them. */
function structuredData(sd: SyslogFields['structuredData']): string {
  const elements = Object.entries(sd ?? {});
  if (elements.length === 0) return '-';
  return elements.map(([id, params]) => `[${id}${Object.entries(params).map(([name, value]) => ` ${name}="${escapeParamValue(String(value))}"`).join('')}]`).join('');
}

/** The longest prefix of `text` whose UTF-8 form fits in `bytes`, never splitting a character. */
function utf8Prefix(text: string, bytes: number): Buffer {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= bytes) return encoded;
  let end = Math.max(0, bytes);
  // Step back over continuation bytes (10xxxxxx) so the cut falls between characters.
  while (end > 0 && (encoded[end] & 0xc0) === 0x80) end--;
  return encoded.subarray(0, end);
}

/**
 * One SYSLOG-MSG (RFC 5424 section 6): HEADER SP STRUCTURED-DATA [SP MSG], MSG as UTF-8 after a
 * BOM. When the message would exceed `maxBytes`, MSG is cut at a character boundary (section 6.1
 * lets a sender truncate; the header and structured data are never cut).
 */
export function formatMessage(fields: SyslogFields, maxBytes = Number.POSITIVE_INFINITY): { bytes: Buffer; truncated: boolean } {
  const pri = fields.facility * 8 + fields.severity;
  const head = Buffer.from(`<${pri}>1 ${nil(fields.timestamp)} ${nil(fields.hostname)} ${nil(fields.appName)} ${nil(fields.procId)} ${nil(fields.msgId)} ${structuredData(fields.structuredData)}`, 'utf8');
  if (fields.message === undefined || fields.message === '') return { bytes: head, truncated: false };
  const room = maxBytes - head.length - 1 - BOM.length;
  const whole = Buffer.from(fields.message, 'utf8');
  const body = room >= whole.length ? whole : utf8Prefix(fields.message, room);
  return { bytes: Buffer.concat([head, Buffer.from(' '), BOM, body]), truncated: body.length < whole.length };
}

/** RFC 6587 section 3.4.1 and RFC 5425 section 4.3: SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG. */
export function octetCounted(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
}
