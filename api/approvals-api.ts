// The approval routes of the intake API: the link pages (GET shows, POST decides) and the approvals:read / approvals:write endpoints.
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { APPROVAL_LIMITS, formatPath, type ApprovalOutput } from '../dsl';
import type { Store } from '../store/store';
import { linkHash, type StoredApproval, type StoredLink } from '../store/approvals';
import type { Config } from '../config/config';
import { ApprovalDoorError, REFUSAL_STATUS, decideApproval, describeClosed, findApproval } from '../control/approvals';

/** What the approval routes are built from. */
export interface ApprovalsApiDeps {
  config: Config;
  client: Client;
  store: Store;
}

/** A link token as riposte issues them: 32 random bytes, base64url. Anything else is refused before the store is asked. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const decideBodySchema = z
  .object({
    run: z.string().min(1, { message: 'give the run id' }),
    step: z.string().min(1, { message: 'give the step id' }),
    index: z.int().min(0).optional(),
    decision: z.enum(['approve', 'reject', 'approved', 'rejected'], { message: 'decide approve or reject' }),
    comment: z.string().max(APPROVAL_LIMITS.comment).optional(),
  })
  .strict();

const listQuerySchema = z
  .object({
    status: z.enum(['pending', 'approved', 'rejected', 'timed_out', 'cancelled', 'failed', 'closed', 'all']).default('pending'),
    run: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
  })
  .strict();

function problems(issues: z.core.$ZodIssue[]) {
  return { problems: issues.map((i) => ({ path: formatPath(i.path as (string | number)[]), message: i.message })) };
}

/** HTML-escapes text for element content and quoted attributes; NUL becomes U+FFFD as browsers would show it. */
export function escapeHtml(text: string): string {
  return text.replace(/\u0000/g, '\uFFFD').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page's headers: no script at all, no framing (no click-jacking of the button), the form posts
 * only here, and neither the browser nor a proxy keeps the page or sends its URL (the token) on.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex, nofollow',
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · riposte</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}.message{white-space:pre-wrap;overflow-wrap:anywhere;border-left:4px solid #888;padding:.5rem 1rem;background:#f6f6f6}dt{font-weight:600}dd{margin:0 0 .5rem;overflow-wrap:anywhere}label{display:block;margin-top:1rem}input,textarea{width:100%;font:inherit}button{margin-top:1rem;font:inherit;padding:.5rem 1.5rem}.approve{background:#1a7f37;color:#fff}.reject{background:#b42318;color:#fff}</style></head>
<body>${body}</body></html>`;
}

function facts(a: StoredApproval): string {
  const row = (k: string, v: string) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`;
  return `<dl>${[
    row('Job', escapeHtml(a.job)),
    row('Run', escapeHtml(a.runId)),
    row('Step', `${escapeHtml(a.stepId)}${a.index !== null ? ` (result ${a.index})` : ''}`),
    row('Expires', escapeHtml(a.expiresAt)),
    ...(a.approvers.length ? [row('Approvers', escapeHtml(a.approvers.join(', ')))] : []),
  ].join('')}</dl>`;
}

function messageBlock(a: StoredApproval): string {
  // bdi keeps a right-to-left override in the message from reordering the rest of the page.
  return `<div class="message"><bdi>${escapeHtml(a.message)}</bdi></div>`;
}

function nextBlock(a: StoredApproval, decision: 'approved' | 'rejected'): string {
  const steps = a.next.length ? `<ul>${a.next.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>` : '<p>This was the run\'s last step: it ends.</p>';
  const lead = `The run goes on with <code>decision</code> = <code>${decision}</code>; the next steps, and the conditions under which each runs:`;
  return `<h2>What happens then</h2><p>${lead}</p>${steps}`;
}

function confirmPage(a: StoredApproval, decision: 'approved' | 'rejected', nameRequired: boolean): string {
  const verb = decision === 'approved' ? 'Approve' : 'Reject';
  return page(
    `${verb}?`,
    `<h1>${verb} this request?</h1>${messageBlock(a)}${facts(a)}${nextBlock(a, decision)}
<form method="post">
<label>Your name${nameRequired ? ' (required; checked against the approvers)' : ' (recorded with the decision)'}<input name="name" maxlength="${APPROVAL_LIMITS.name}"${nameRequired ? ' required' : ''} autocomplete="name"></label>
<label>Comment (optional)<textarea name="comment" rows="3" maxlength="${APPROVAL_LIMITS.comment}"></textarea></label>
<button type="submit" class="${decision === 'approved' ? 'approve' : 'reject'}">${verb}</button>
</form>
<p><small>Opening this page decides nothing; only the button does. The link works once.</small></p>`,
  );
}

function resultPage(a: StoredApproval, out: ApprovalOutput): string {
  const title = out.decision === 'approved' ? 'Approved' : 'Rejected';
  const by = out.by ? ` by <bdi>${escapeHtml(out.by)}</bdi>` : '';
  const comment = out.comment ? `<p>Comment: <bdi>${escapeHtml(out.comment)}</bdi></p>` : '';
  return page(title, `<h1>${title}</h1><p>Recorded${by} at ${escapeHtml(out.at)}. The run goes on.</p>${comment}${messageBlock(a)}${facts(a)}`);
}

function refusalPage(title: string, text: string, a?: StoredApproval): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${a ? `${messageBlock(a)}${facts(a)}` : ''}`);
}

/** Why a link cannot decide now, or undefined when it can. */
function linkState(link: StoredLink, now = new Date()): { status: number; title: string; text: string } | undefined {
  if (link.approval.status !== 'pending') return { status: 410, title: 'Already decided', text: describeClosed(link.approval) };
  if (link.usedAt) return { status: 410, title: 'Link already used', text: `This link was used at ${link.usedAt}; each link works once.` };
  if (link.expiresAt <= now.toISOString()) return { status: 410, title: 'Link expired', text: `This link expired at ${link.expiresAt}; the run decides as its timeout says.` };
  return undefined;
}

async function lookup(store: Store, token: string): Promise<{ hash: string; link?: StoredLink }> {
  if (!TOKEN_PATTERN.test(token)) return { hash: '' };
  const hash = linkHash(token);
  return { hash, link: await store.approvals.findLink(hash) };
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).send(html);
}

const NOT_VALID = refusalPage('Link not valid', 'This is not an approval link riposte issued, or it was cut short. Open the link from the message again.');

/** Registers the approval routes on the intake API (a Fastify plugin; the API's token check applies to the /v1 routes). */
export async function approvalsApi(app: FastifyInstance, deps: ApprovalsApiDeps): Promise<void> {
  const { config, client, store } = deps;
  // The link page posts an HTML form; the form parser lives in this plugin only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get(
    '/approvals/:token',
    { schema: { summary: "An approval link's page: shows what is asked and what happens next; decides nothing", hide: true } },
    async (request: FastifyRequest<{ Params: { token: string } }>, reply) => {
      const { link } = await lookup(store, request.params.token);
      if (!link) return sendPage(reply, 404, NOT_VALID);
      const state = linkState(link);
      if (state) return sendPage(reply, state.status, refusalPage(state.title, state.text, link.approval));
      return sendPage(reply, 200, confirmPage(link.approval, link.decision, config.api.trustLinkNames && link.approval.approvers.length > 0));
    },
  );

  app.post(
    '/approvals/:token',
    { schema: { summary: "Decides with an approval link: the page's form posts here", hide: true } },
    async (request: FastifyRequest<{ Params: { token: string }; Body: Record<string, unknown> | undefined }>, reply) => {
      const { hash, link } = await lookup(store, request.params.token);
      if (!link) return sendPage(reply, 404, NOT_VALID);
      const state = linkState(link);
      if (state) return sendPage(reply, state.status, refusalPage(state.title, state.text, link.approval));
      const form = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
      const name = typeof form.name === 'string' ? form.name.trim() : '';
      const comment = typeof form.comment === 'string' ? form.comment : undefined;
      const trusted = config.api.trustLinkNames && name !== '';
      if (!(await store.approvals.claimLink(hash))) return sendPage(reply, 410, refusalPage('Link already used', 'This link was used a moment ago; each link works once.', link.approval));
      try {
        const out = await decideApproval(client, store, link.approval, { decision: link.decision, by: name || 'link', verified: trusted, via: 'link', ...(comment ? { comment } : {}), updateId: `link-${hash.slice(0, 32)}` });
        return sendPage(reply, 200, resultPage(link.approval, out));
      } catch (err) {
        if (!(err instanceof ApprovalDoorError)) {
          await store.approvals.releaseLink(hash);
          throw err;
        }
        // The decision did not land for a reason the person can fix (a name, a busy worker): the link stays usable.
        if (err.refusal === 'not-allowed' || err.refusal === 'invalid' || err.refusal === 'unavailable') await store.approvals.releaseLink(hash);
        const title = err.refusal === 'decided' ? 'Already decided' : err.refusal === 'not-allowed' ? 'Not among the approvers' : err.refusal === 'unavailable' ? 'Try again' : 'Not decided';
        return sendPage(reply, REFUSAL_STATUS[err.refusal] === 409 ? 410 : REFUSAL_STATUS[err.refusal], refusalPage(title, err.message, link.approval));
      }
    },
  );

  app.get(
    '/v1/approvals',
    {
      config: { scope: 'approvals:read' },
      schema: {
        summary: 'Approvals, newest first: pending ones by default (`riposte approvals list --json`)',
        querystring: { type: 'object', properties: { status: { type: 'string' }, run: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
      },
    },
    async (request, reply) => {
      const parsed = listQuerySchema.safeParse(request.query ?? {});
      if (!parsed.success) return reply.code(400).send(problems(parsed.error.issues));
      return store.approvals.list({ status: parsed.data.status, limit: parsed.data.limit, ...(parsed.data.run ? { runId: parsed.data.run } : {}) });
    },
  );

  app.post(
    '/v1/approvals/decisions',
    {
      config: { scope: 'approvals:write' },
      schema: {
        summary: "Approves or rejects a waiting approval.request step as the token's name; the first valid decision wins",
        body: { type: 'object', properties: { run: { type: 'string' }, step: { type: 'string' }, index: { type: 'integer' }, decision: { type: 'string', enum: ['approve', 'reject'] }, comment: { type: 'string' } }, required: ['run', 'step', 'decision'] },
      },
    },
    async (request, reply) => {
      const parsed = decideBodySchema.safeParse(request.body ?? {});
      if (!parsed.success) return reply.code(400).send(problems(parsed.error.issues));
      const body = parsed.data;
      try {
        const approval = await findApproval(store, body.run, body.step, body.index);
        const decision = body.decision.startsWith('approve') ? 'approved' : 'rejected';
        return await decideApproval(client, store, approval, { decision, by: request.tokenName ?? 'api', verified: request.tokenName !== undefined, via: 'api', ...(body.comment ? { comment: body.comment } : {}) });
      } catch (err) {
        if (err instanceof ApprovalDoorError) return reply.code(REFUSAL_STATUS[err.refusal]).send({ error: err.message });
        throw err;
      }
    },
  );
}
