// email.send: one SMTP message through a named connection, with table, CSV attachment, time, signature and headers.
import crypto from 'node:crypto';
import fs from 'node:fs';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
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

/** The nodemailer transport of an smtp connection; the resolved password is added to `secrets` for masking. */
export function transportFor(name: string, c: SmtpConnection, secrets: string[]): Transporter {
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

/** Sends the message once: a retry after a successful send finds it in the store and does not send again. */
export function sendEmailAction(deps: ActivityDeps) {
  const transports = new Map<string, Transporter>();
  return async function sendEmail(request: ActionRequest<'email.send'>): Promise<Output> {
    const origin = originOf(request);
    const p = request.params;
    const name = request.connection ?? '';
    const connection = deps.config.connections[name];
    if (!connection || connection.type !== 'smtp') throw actionFailure('ConnectionConfigError', `${origin}: connection "${name}" is not an smtp connection configured on this worker`);
    const messageId = messageIdFor(request.idempotencyKey);
    return deliverOnce(
      deps,
      request,
      async (): Promise<Output> => {
        const rows = request.resultsRef ? await loadAllResults(deps, request.resultsRef) : request.results ?? (request.result ? [request.result] : []);
        const sentAt = new Date();
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

        const secrets: string[] = [];
        let transport = transports.get(name);
        if (!transport) {
          transport = transportFor(name, connection, secrets);
          transports.set(name, transport);
        }
        let info: { accepted?: (string | { address: string })[]; rejected?: (string | { address: string })[] };
        try {
          info = await transport.sendMail({
            from: p.from ?? connection.from,
            to: p.to,
            cc: p.cc,
            bcc: p.bcc,
            subject,
            ...(p.html ? { html: content } : { text: content }),
            headers: p.headers,
            messageId,
            date: sentAt,
            attachments,
          });
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

