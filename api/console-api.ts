// The chain console: the /console page (static files) and its read-only `console`-scoped endpoints (validate, preview, jobs, runs).
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ProblemsError, formatPath, insightView, validateChainText, type ResultRow } from '../dsl';
import { dryRun } from '../activities/dry-run';
import { chainGraph } from './chain-graph';
import { locateProblems } from './problem-positions';
import { listRuns } from '../control/runs';
import type { Config } from '../config/config';
import type { Store } from '../store/store';
import { parseEvent } from '../control/events';
import { installationContext, loadJobs } from '../config/jobs';

/** What the console routes are built from. */
export interface ConsoleApiDeps {
  config: Config;
  client: Client;
  /** Only read: the enrichments an Insight is previewed with. */
  store: Store;
  /** The Temporal UI base URL, for run links. */
  uiUrl?: string;
}

/** The package root: the folder above this file's (source run) or above dist/ (built run) that holds package.json. */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
const ROOT = packageRoot();
/** The page's files, plain ES modules and CSS shipped as they are: nothing to build. */
const CONSOLE_DIR = path.join(ROOT, 'console');
const EXAMPLES_DIR = path.join(ROOT, 'examples');

/**
 * The page runs only its own script and style (no inline code, nothing from elsewhere), cannot be
 * framed, and sends no referrer; the data it shows is set with textContent only.
 */
export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";
const PAGE_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};
const STATIC: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const textSchema = z.string({ message: 'give the chain file text as a string' }).max(1_048_576);
const validateBodySchema = z.object({ text: textSchema }).strict();
const previewBodySchema = z
  .object({
    text: textSchema,
    results: z.array(z.record(z.string(), z.unknown(), { message: 'each result must be a JSON object' }), { message: 'give the results as a JSON array of objects' }).optional(),
    insight: z.unknown().optional(),
    params: z.record(z.string(), z.unknown(), { message: 'give the params as a JSON object' }).optional(),
  })
  .strict();

function problemsOf(issues: z.core.$ZodIssue[]) {
  return { problems: issues.map((i) => ({ path: formatPath(i.path as (string | number)[]), message: i.message })) };
}

/** Every problem of the chain text at its line and column, and the graph when it validates (table checks, which connect to databases, are left to `riposte validate`). */
function validateText(config: Config, text: string) {
  const result = validateChainText(text, installationContext(config));
  if (!result.ok) return { ok: false as const, problems: locateProblems('chain', text, result.problems) };
  return { ok: true as const, chain: result.chain, problems: [], graph: chainGraph(result.chain) };
}

function exampleNames(): string[] {
  try {
    return fs
      .readdirSync(EXAMPLES_DIR)
      .filter((f) => f.endsWith('.json') && !f.endsWith('.results.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

/** Registers /console and /v1/console/* on the intake API (a Fastify plugin). None of these routes sends or writes anything. */
export async function consoleApi(app: FastifyInstance, deps: ConsoleApiDeps): Promise<void> {
  const { config, client } = deps;

  // The page and its files carry no data: they load without a token and ask for one.
  const sendStatic = (file: string, reply: FastifyReply) => reply.headers({ ...PAGE_HEADERS, 'content-type': STATIC[file] }).send(fs.readFileSync(path.join(CONSOLE_DIR, file)));
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => sendStatic('index.html', reply));
  app.get('/console/:file', { schema: { hide: true } }, async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const file = request.params.file;
    if (!Object.hasOwn(STATIC, file)) return reply.code(404).headers(PAGE_HEADERS).send({ error: 'no such console file' });
    return sendStatic(file, reply);
  });

  const scoped = { config: { scope: 'console' as const } };

  app.post('/v1/console/validate', { ...scoped, schema: { hide: true, summary: 'The chain console: every problem of a chain text at its line and column, and its graph when valid; writes nothing' } }, async (request, reply) => {
    const parsed = validateBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send(problemsOf(parsed.error.issues));
    const { ok, problems, ...rest } = validateText(config, parsed.data.text);
    return { ok, problems, ...('graph' in rest ? { graph: rest.graph } : {}) };
  });

  app.post('/v1/console/preview', { ...scoped, schema: { hide: true, summary: 'The chain console: the dry run of `riposte test` against given results or an Insight; sends nothing' } }, async (request, reply) => {
    const parsed = previewBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send(problemsOf(parsed.error.issues));
    const body = parsed.data;
    const validation = validateText(config, body.text);
    if (!validation.ok) return reply.code(400).send({ problems: validation.problems });
    let results = (body.results ?? []) as ResultRow[];
    let trigger: Record<string, unknown> | undefined;
    if (body.insight !== undefined) {
      let event;
      try {
        event = parseEvent({ type: 'insight.on_demand', insight: body.insight });
      } catch (err) {
        if (!(err instanceof ProblemsError)) throw err;
        return reply.code(400).send({ problems: err.problems.map((p) => ({ path: 'insight', message: p.message })) });
      }
      // As `riposte test --insight`: the Insight is the trigger and, without results, the one result.
      const insight = (event as { insight: Parameters<typeof insightView>[0] }).insight;
      trigger = { ...event, id: '<event id>', insightView: insightView(insight, { cloudSiemUrl: config.cloudSiem.url }) };
      if (body.results === undefined) results = [insight as unknown as ResultRow];
    }
    // The same dry run as `riposte test`: each step's real bytes as its connector builds them, nothing sent.
    return { chain: validation.chain.name, steps: await dryRun(validation.chain, results, { params: body.params ?? {}, globals: config.globals, trigger, deps: { config, store: deps.store } }) };
  });

  app.get('/v1/console/jobs', { ...scoped, schema: { hide: true, summary: 'The chain console: the jobs of the jobs directory and the example chains' } }, async () => {
    const catalog = loadJobs(config);
    return {
      jobs: [...catalog.jobs.values()].map((j) => ({ name: j.chain.name, file: path.basename(j.file) })),
      invalid: catalog.invalid.map((f) => ({ file: path.basename(f.file), problems: f.problems.length })),
      examples: exampleNames(),
    };
  });

  app.get('/v1/console/jobs/:name', { ...scoped, schema: { hide: true, summary: "The chain console: a job file's text" } }, async (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
    const catalog = loadJobs(config);
    const job = catalog.jobs.get(request.params.name);
    const file = job?.file ?? catalog.invalid.find((f) => path.basename(f.file) === `${request.params.name}.json`)?.file;
    if (!file) return reply.code(404).send({ error: `no job "${request.params.name}" in the jobs directory` });
    return { name: request.params.name, text: fs.readFileSync(file, 'utf8') };
  });

  app.get('/v1/console/examples/:name', { ...scoped, schema: { hide: true, summary: 'The chain console: an example chain and its example results when there are some' } }, async (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
    const name = request.params.name;
    if (!NAME.test(name) || !exampleNames().includes(name)) return reply.code(404).send({ error: `no example "${name}"` });
    const resultsFile = path.join(EXAMPLES_DIR, `${name}.results.json`);
    return { name, text: fs.readFileSync(path.join(EXAMPLES_DIR, `${name}.json`), 'utf8'), ...(fs.existsSync(resultsFile) ? { results: fs.readFileSync(resultsFile, 'utf8') } : {}) };
  });

  app.get('/v1/console/runs', { ...scoped, schema: { hide: true, summary: 'The chain console: recent runs with status and Temporal UI link (`riposte runs list --json`)' } }, async (request: FastifyRequest<{ Querystring: { limit?: string } }>, reply) => {
    const limit = z.coerce.number().int().min(1).max(200).default(25).safeParse(request.query?.limit);
    if (!limit.success) return reply.code(400).send(problemsOf(limit.error.issues.map((i) => ({ ...i, path: ['limit'] }))));
    return listRuns(client, config.temporal.namespace, deps.uiUrl, { limit: limit.data });
  });
}
