// email.send: one SMTP message through a named connection, with table, CSV attachment, time, signature and headers.
import crypto from 'node:crypto';
import fs from 'node:fs';
import nodemailer from 'nodemailer';
import type { SendMailOptions, Transporter } from 'nodemailer';
import { toCsv, toHtmlTable, toTextTable, type ActionOutputs, type ActionRequest } from '../../dsl';
import type { SmtpConnection } from '../../worker/config';
import { actionFailure } from '../errors';
import { deliverOnce, loadAllResults, originOf, type ActivityDeps } from '../deps';
import { maskSecrets, resolveSecret } from '../secrets';
import { insightOf } from '../insight/insight';
import { insightSummary } from '../insight/summary';

type Output = ActionOutputs['email.send'];

/** A Message-ID derived from run, step and result: the same message keeps the same id across retries. */
export function messageIdFor(idempotencyKey: string): string {
  return `<${crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@riposte>`;
}

function transportFor(name: string, c: SmtpConnection, secrets: string[]): Transporter {
  const pass = c.auth ? resolveSecret(c.auth.pass, `connections.${name}.auth.pass`) : undefined;
  if (pass) secrets.push(pass);
  return nodemailer.createTransport({
    host: c.host,
    port: c.port,
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

/** Classifies an SMTP failure: 5xx refusals and bad credentials are final, everything else is retried. */
function smtpFailure(origin: string, err: unknown, secrets: string[]) {
  const e = err as { responseCode?: number; code?: string; response?: string; message?: string };
  const answer = maskSecrets(`${origin}: SMTP ${e.responseCode ? `answered ${e.response ?? e.responseCode}` : `${e.code ?? 'error'}: ${e.message ?? String(err)}`}`, secrets);
  if (e.code === 'EAUTH') return actionFailure('ConnectionConfigError', `${answer} (check the connection's user and password)`);
  if (e.code === 'ETLS' || /certificate/i.test(e.message ?? '')) return actionFailure('ConnectionConfigError', `${answer} (give the server's CA as tls.caFile)`);
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

/**
 * The message as nodemailer takes it, sent at `sentAt`: the step hands it to the SMTP transport,
 * the dry run to nodemailer's stream transport, so both show the same bytes. Bcc recipients ride
 * in the envelope only (never in a header), and the multipart boundary derives from run, step
 * and result, so the same message is the same bytes wherever it is built.
 */
export async function composeEmail(deps: ActivityDeps, request: ActionRequest<'email.send'>, sentAt: Date): Promise<SendMailOptions> {
  const p = request.params;
  const connection = smtpConnectionOf(deps, request);
  const rows = request.resultsRef ? await loadAllResults(deps, request.resultsRef) : request.results ?? (request.result ? [request.result] : []);
  // The summary format needs the Insight; it goes before the body the chain wrote, if any.
  const summary = p.format === 'summary' ? insightSummary(insightOf(request)) : undefined;
  const subject = p.subject ?? (summary ? `[${summary.severity}] ${summary.title}` : '');
  const parts: string[] = summary ? [p.html ? summary.html : summary.text, ...(p.body ? [p.body] : [])] : [p.body];
  if (p.addTime) parts.push(p.html ? `<p>Server time: ${sentAt.toISOString()}</p>` : `Server time: ${sentAt.toISOString()}`);
  if (p.table && rows.length > 0) parts.push(p.html ? toHtmlTable(rows) : toTextTable(rows));
  if (p.signature) parts.push(p.html ? `<p>-- <br>${p.signature}</p>` : `-- \n${p.signature}`);
  const content = p.html ? parts.join('\n') : parts.join('\n\n');
  const attachments = p.attachCsv && rows.length > 0
    ? [{ filename: typeof p.attachCsv === 'object' ? p.attachCsv.filename : `${request.job.name}-results.csv`, content: toCsv(rows), contentType: 'text/csv; charset=utf-8' }]
    : [];
  const from = p.from ?? connection.from;
  return {
    from,
    to: p.to,
    cc: p.cc,
    subject,
    ...(p.html ? { html: content } : { text: content }),
    headers: p.headers,
    messageId: messageIdFor(request.idempotencyKey),
    date: sentAt,
    attachments,
    envelope: { from, to: [...p.to, ...(p.cc ?? []), ...(p.bcc ?? [])] },
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
    const messageId = messageIdFor(request.idempotencyKey);
    return deliverOnce(
      deps,
      request,
      async (): Promise<Output> => {
        const message = await composeEmail(deps, request, new Date());
        const secrets: string[] = [];
        let transport = transports.get(name);
        if (!transport) {
          transport = transportFor(name, connection, secrets);
          transports.set(name, transport);
        }
        let info: { accepted?: (string | { address: string })[]; rejected?: (string | { address: string })[] };
        try {
          info = await transport.sendMail(message);
        } catch (err) {
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
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = (await stream.sendMail(await composeEmail(deps, request, sentAt))) as unknown as { envelope: { from: string; to: string[] }; message: Buffer };
  return { envelope: { from: info.envelope.from, to: info.envelope.to }, message: info.message.toString('utf8') };
}
