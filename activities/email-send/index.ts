// email.send: one SMTP message through a named connection, with table, CSV attachment, time, signature and headers.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import type { SendMailOptions, Transporter } from 'nodemailer';
import { z } from 'zod';
import { TemplateError, applyMerge, toCsv, toHtmlTable, toTextTable, type ActionOutputs, type ActionRequest } from '../../dsl';
import type { SmtpConnection } from '../../config/config';
import { actionFailure } from '../shared/errors';
import { deliverOnce, loadAllResults, originOf, type ActivityDeps } from '../shared/deps';
import { connectChecked, destinationRefused, refusalIn, type NetworkPolicy } from '../shared/network';
import { maskSecrets, resolveSecret } from '../shared/secrets';
import { insightOf } from '../shared/insight/insight';
import { insightSummary } from '../shared/insight/summary';

/** nodemailer loads with the first e-mail, not with every worker (its address parser, used to check recipients, is a file of its own). */
const mailer = async () => (await import('nodemailer')).default;

type Output = ActionOutputs['email.send'];

/**
 * A Message-ID derived from run, step and result, so the same message keeps the same id across
 * retries, on the domain of the From address (`<hash@example.org>`): RFC 5322 3.6.4 wants the
 * id's right part to make it globally unique, and the sender's own domain is what mail systems
 * and spam filters expect there. An internationalised domain is written in its ASCII (punycode)
 * form, as a msg-id must be ASCII; a From without a usable domain falls back to `riposte.invalid`.
 */
export function messageIdFor(idempotencyKey: string, from?: string): string {
  const address = from ? addressparser(from, { flatten: true })[0]?.address : undefined;
  const at = address?.lastIndexOf('@') ?? -1;
  const ascii = address && at > 0 ? domainToASCII(address.slice(at + 1).replace(/^\[|\]$/g, '')).toLowerCase() : '';
  const domain = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(ascii) ? ascii : 'riposte.invalid';
  return `<${crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

/** The nodemailer transport of an smtp connection, through the network policy; the resolved password is added to `secrets` for masking. */
export async function transportFor(name: string, c: SmtpConnection, secrets: string[], network: NetworkPolicy): Promise<Transporter> {
  const pass = c.auth ? resolveSecret(c.auth.pass, `connections.${name}.auth.pass`) : undefined;
  if (pass) secrets.push(pass);
  const nodemailer = await mailer();
  return nodemailer.createTransport({
    host: c.host,
    port: c.port,
    // nodemailer's socket hook: every connection goes to an address the network policy checked;
    // nodemailer starts TLS over it under c.host, so the certificate is still checked against the name.
    getSocket: (_options, callback) => {
      connectChecked(network, c.host, c.port, 15_000).then(
        (socket) => callback(null, { connection: socket }),
        (err: Error) => callback(err, undefined),
      );
    },
    secure: c.secure,
    requireTLS: c.starttls === 'required',
    ignoreTLS: c.starttls === 'never',
    ...(c.auth ? { auth: { user: c.auth.user, pass } } : {}),
    tls: {
      rejectUnauthorized: c.tls?.verify !== false,
      ...(c.tls?.caFile ? { ca: fs.readFileSync(c.tls.caFile) } : {}),
      ...(c.tls?.servername ? { servername: c.tls.servername } : {}),
    },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
}

const isAddress = (text: string) => z.email().safeParse(text).success;

/** One mailbox: the address the envelope uses, and the display name shown in the header. */
interface Mailbox {
  name: string;
  address: string;
}

/**
 * Parses `text` with nodemailer's own address parser (what it would do with the header) and
 * accepts exactly one mailbox with a valid address: a value holding a list, a group or a line
 * break is refused, never split into several recipients.
 */
export function oneMailbox(text: string): Mailbox | { error: string } {
  if (/[\r\n\u0000]/.test(text)) return { error: 'holds a line break; an address is one line' };
  const parsed = addressparser(text);
  if (parsed.length !== 1 || parsed[0].group !== undefined) return { error: `holds ${parsed.length === 0 ? 'no address' : 'several addresses'}; give exactly one` };
  const { name, address } = parsed[0];
  if (!isAddress(address)) return { error: 'not an e-mail address' };
  return { name, address };
}

/** Classifies an SMTP failure: 5xx refusals and bad credentials are final, everything else is retried. */
function smtpFailure(origin: string, err: unknown, secrets: string[]) {
  const e = err as { responseCode?: number; code?: string; response?: string; message?: string };
  const answer = maskSecrets(`${origin}: SMTP ${e.responseCode ? `answered ${e.response ?? e.responseCode}` : `${e.code ?? 'error'}: ${e.message ?? String(err)}`}`, secrets);
  if (e.code === 'EAUTH') return actionFailure('ConnectionConfigError', `${answer} (check the connection's user and password)`);
  if (e.code === 'ETLS' || /certificate/i.test(e.message ?? '')) return actionFailure('ConnectionConfigError', `${answer} (give the server's CA as tls.caFile)`);
  // nodemailer's own refusal of the envelope, before the server was asked: the input is wrong.
  if (e.code === 'EENVELOPE' && !e.responseCode) return actionFailure('ActionInputError', answer);
  if (e.responseCode && e.responseCode >= 500) return actionFailure('PeerRejectedError', answer);
  if (e.responseCode && e.responseCode >= 400) return actionFailure('PeerUnavailableError', answer);
  return actionFailure('PeerUnreachableError', answer);
}

/** The step's smtp connection. */
function smtpConnectionOf(deps: ActivityDeps, request: ActionRequest<'email.send'>): SmtpConnection {
  const name = request.connection ?? '';
  const connection = deps.config.connections[name];
  if (!connection || connection.type !== 'smtp') throw actionFailure('ConnectionConfigError', `${originOf(request)}: connection "${name}" is not an smtp connection configured on this worker`);
  return connection;
}

/** The checked sender and recipients of a message, the envelope made of exactly them, and the Message-ID on the sender's domain. */
export interface EmailAddresses {
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  envelope: { from: string; to: string[] };
  messageId: string;
}

/**
 * Checks sender and recipients again, whatever the schema let through: each entry is one mailbox.
 * The envelope is exactly the checked recipients, so nothing in a header can add one.
 */
export function emailAddresses(deps: ActivityDeps, request: ActionRequest<'email.send'>): EmailAddresses {
  const origin = originOf(request);
  const name = request.connection ?? '';
  const connection = smtpConnectionOf(deps, request);
  const given = request.params;
  const mailbox = (text: string, field: string, type: 'ActionInputError' | 'ConnectionConfigError' = 'ActionInputError'): Mailbox => {
    const found = oneMailbox(text);
    if ('error' in found) throw actionFailure(type, `${origin}: ${field}: ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)} ${found.error}`);
    return found;
  };
  const list = (field: 'to' | 'cc' | 'bcc') => (given[field] ?? []).map((a, i) => mailbox(a, `with.${field}[${i}]`));
  const [to, cc, bcc] = [list('to'), list('cc'), list('bcc')];
  const from = given.from !== undefined ? mailbox(given.from, 'with.from') : mailbox(connection.from, `connections.${name}.from`, 'ConnectionConfigError');
  const envelope = { from: from.address, to: [...to, ...cc, ...bcc].map((m) => m.address) };
  return { from, to, cc, bcc, envelope, messageId: messageIdFor(request.idempotencyKey, from.address) };
}

/** The parameters with "merge" fields rendered over every result; a template error fails the step as bad input. */
function mergedParams(request: ActionRequest<'email.send'>, rows: Record<string, unknown>[]): ActionRequest<'email.send'>['params'] {
  try {
    return applyMerge(request.params as Record<string, unknown>, request.merge!, rows).params as ActionRequest<'email.send'>['params'];
  } catch (err) {
    if (err instanceof TemplateError) throw actionFailure('ActionInputError', `${originOf(request)}: ${err.message}`);
    throw err;
  }
}

/**
 * The message as nodemailer takes it, sent at `sentAt`: the step hands it to the SMTP transport,
 * the dry run to nodemailer's stream transport, so both show the same bytes. The envelope is the
 * checked recipients (Bcc rides in it, never in a header), "merge" fields are rendered over every
 * result, and the multipart boundary derives from run, step and result, so the same message is
 * the same bytes wherever it is built.
 */
export async function composeEmail(deps: ActivityDeps, request: ActionRequest<'email.send'>, sentAt: Date, addresses: EmailAddresses = emailAddresses(deps, request)): Promise<SendMailOptions> {
  const rows = request.resultsRef ? await loadAllResults(deps, request.resultsRef) : request.results ?? (request.result ? [request.result] : []);
  const p = request.merge ? mergedParams(request, rows) : request.params;
  // The summary format needs the Insight; it goes before the body the chain wrote, if any.
  const summary = p.format === 'summary' ? insightSummary(insightOf(request)) : undefined;
  // A line break in the subject (a log field rendered into it) is folded: the subject is one header line.
  const subject = (p.subject ?? (summary ? `[${summary.severity}] ${summary.title}` : '')).replace(/[\r\n\u0000]+/g, ' ');
  const parts: string[] = summary ? [p.html ? summary.html : summary.text, ...(p.body ? [p.body] : [])] : [p.body];
  if (p.addTime) parts.push(p.html ? `<p>Server time: ${sentAt.toISOString()}</p>` : `Server time: ${sentAt.toISOString()}`);
  if (p.table && rows.length > 0) parts.push(p.html ? toHtmlTable(rows) : toTextTable(rows));
  if (p.signature) parts.push(p.html ? `<p>-- <br>${p.signature}</p>` : `-- \n${p.signature}`);
  const content = p.html ? parts.join('\n') : parts.join('\n\n');
  const attachments = p.attachCsv && rows.length > 0
    ? [{ filename: typeof p.attachCsv === 'object' ? p.attachCsv.filename : `${request.job.name}-results.csv`, content: toCsv(rows), contentType: 'text/csv; charset=utf-8' }]
    : [];
  const { from, to, cc, envelope, messageId } = addresses;
  // Bcc recipients are in the envelope only: given as a field, nodemailer's stream transport (the dry run) would write a Bcc header.
  return {
    from,
    to,
    ...(cc.length ? { cc } : {}),
    envelope,
    subject,
    ...(p.html ? { html: content } : { text: content }),
    headers: p.headers,
    messageId,
    date: sentAt,
    attachments,
    baseBoundary: crypto.createHash('sha256').update(`boundary\u0000${request.idempotencyKey}`).digest('hex').slice(0, 16),
  } as SendMailOptions;
}

/** Sends the message once: a retry after a successful send finds it in the store and does not send again. */
export function sendEmailAction(deps: ActivityDeps) {
  const transports = new Map<string, Transporter>();
  return async function sendEmail(request: ActionRequest<'email.send'>): Promise<Output> {
    const origin = originOf(request);
    const name = request.connection ?? '';
    const connection = smtpConnectionOf(deps, request);
    // Sender and recipients are checked before anything else happens.
    const addresses = emailAddresses(deps, request);
    const { messageId } = addresses;
    return deliverOnce(
      deps,
      request,
      async (): Promise<Output> => {
        const message = await composeEmail(deps, request, new Date(), addresses);
        const secrets: string[] = [];
        let transport = transports.get(name);
        if (!transport) {
          transport = await transportFor(name, connection, secrets, deps.config.network);
          transports.set(name, transport);
        }
        let info: { accepted?: (string | { address: string })[]; rejected?: (string | { address: string })[] };
        try {
          info = await transport.sendMail(message);
        } catch (err) {
          const refusal = refusalIn(err);
          if (refusal) throw destinationRefused(origin, refusal);
          throw smtpFailure(origin, err, secrets);
        }
        const list = (v: (string | { address: string })[] = []) => v.map((a) => (typeof a === 'string' ? a : a.address));
        return { messageId, accepted: list(info.accepted), rejected: list(info.rejected), alreadySent: false };
      },
      (earlier) => ({ ...earlier, alreadySent: true }),
    );
  };
}

/** The message exactly as the SMTP server would receive it, built by nodemailer's stream transport; nothing is sent. */
export async function previewEmail(deps: ActivityDeps, request: ActionRequest<'email.send'>, sentAt = new Date()): Promise<{ envelope: { from: string; to: string[] }; message: string }> {
  const stream = (await mailer()).createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = (await stream.sendMail(await composeEmail(deps, request, sentAt))) as unknown as { envelope: { from: string; to: string[] }; message: Buffer };
  return { envelope: { from: info.envelope.from, to: info.envelope.to }, message: info.message.toString('utf8') };
}
