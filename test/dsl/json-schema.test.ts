// The generated chain JSON Schema, run through ajv, refuses what `riposte validate` refuses wherever a schema can tell.
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, CATALOGUE, validateChain, type ActionName } from '../../dsl';
import { chainJsonSchema } from '../../dsl/json-schema';

const ROOT = path.join(__dirname, '..', '..');
const validateWithSchema = new Ajv2020({ allErrors: true }).compile(chainJsonSchema());

function bothSay(chain: unknown): { ajv: boolean; riposte: boolean; errors: string } {
  const ajv = validateWithSchema(chain);
  return { ajv, riposte: validateChain(chain).ok, errors: JSON.stringify(validateWithSchema.errors?.slice(0, 4) ?? []) };
}

/** The smallest valid parameters and connection of each action. */
const MINIMAL: Record<ActionName, { with?: Record<string, unknown>; connection?: string }> = {
  'incident.create': { with: { title: 'Brute force' } },
  'mitre.tag': { with: { techniques: ['T1110'] } },
  'events.log': {},
  'webhook.send': { with: { protocol: 'https', host: 'hooks.example.org' } },
  'events.index': { with: { index: 'seen' } },
  'mitre.risk': { with: { category: 'user', score: 10 } },
  'risk.assign': { with: { score: 5, scoringType: 'static' } },
  'email.send': { with: { to: 'soc@example.org', subject: 'hits' }, connection: 'smtp' },
  'db.insert': { with: { table: 'alerts' }, connection: 'db' },
  'job.run': { with: { job: 'other' } },
  'approval.request': { with: { message: 'Block the address?' } },
  'script.run': { with: { interpreter: 'bash', script: 'block.sh' } },
  'sns.publish': { with: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:soc' }, connection: 'aws' },
  'xsoar.incident': { connection: 'xsoar' },
  'http.post': { with: { url: 'https://soar.example.org/in' } },
  'hipchat.notify': { with: { room: 'soc' }, connection: 'hipchat' },
  'teams.notify': { connection: 'teams' },
  'pagerduty.trigger': { connection: 'pd' },
  'slack.post': { with: { channel: '#soc' }, connection: 'slack' },
  'slack.webhook': { connection: 'slack-hook' },
  'recordedfuture.enrich': { connection: 'rf' },
  'syslog.send': { with: { message: 'hello' }, connection: 'siem' },
};

function chainWith(action: ActionName, params: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): unknown {
  const { connection } = MINIMAL[action];
  return { name: 'sweep', steps: [{ id: 'step', action, ...(connection ? { connection } : {}), ...(params ? { with: params } : {}), ...extra }] };
}

const hostile = Object.entries(JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'hostile-values.json'), 'utf8')) as Record<string, unknown>)
  .filter(([key, value]) => key !== '$comment' && typeof value === 'string' && !value.includes('{{'))
  .map(([, value]) => value);

/** Values every parameter is tried with: each type, edge numbers, tokens, and the hostile-value corpus. */
const VALUES: unknown[] = [
  true, false, 0, 1, 1.5, -1, 70_000, null, '', 'x', '8080', 'soc@example.org', 'T1110', 'high', 'https://x.example.org/',
  '{{params.x}}', '{{result.src_ip}}', [], ['x'], [1], ['{{params.x}}'], {}, { a: 'b' }, { literal: 'x' }, ...hostile,
];

/** True when the parameter is a `z.coerce.number()`: validation turns text into a number and checks its range, a schema cannot. */
function coerced(action: ActionName, key: string): boolean {
  let field = (CATALOGUE[action].params as unknown as z.ZodObject).shape[key] as unknown as { _zod: { def: { coerce?: boolean; innerType?: unknown } } } | undefined;
  while (field?._zod.def.innerType) field = field._zod.def.innerType as typeof field;
  return field?._zod.def.coerce === true;
}

/** A number that may be written as text (`numberFromText`): the text's range is checked once it is a number, by validate alone. */
function numberAsText(action: ActionName, key: string): boolean {
  type Def = { type?: string; in?: { _zod: { def: Def } }; out?: { _zod: { def: Def } }; innerType?: { _zod: { def: Def } } };
  let def = ((CATALOGUE[action].params as unknown as z.ZodObject).shape[key] as unknown as { _zod: { def: Def } } | undefined)?._zod.def;
  while (def?.innerType) def = def.innerType._zod.def;
  const input = def?.type === 'pipe' ? def.in?._zod.def : undefined;
  return input?.type === 'pipe' && input.out?._zod.def.type === 'transform';
}

function paramNames(action: ActionName): string[] {
  const schema = (chainJsonSchema().$defs as Record<string, { properties?: Record<string, unknown> }>)[`params:${action}`];
  return Object.keys(schema.properties ?? {});
}

/**
 * What validation refuses by reading the chain beyond its shape: which token a destination reads
 * (results never choose one), an argument's text (e.g. a command line's shell syntax). A schema accepts these.
 */
function beyondShape(action: ActionName, key: string, value: unknown): boolean {
  if (typeof value === 'string' && value.includes('{{result.')) {
    if (action === 'webhook.send' && ['protocol', 'host', 'port'].includes(key)) return true;
    if (action === 'http.post' && key === 'url') return true;
    if (action === 'approval.request' && key === 'approvers') return true;
  }
  // A command line's shell syntax, and a token as the first entry of a command array.
  if (action === 'script.run' && key === 'command' && (typeof value === 'string' || Array.isArray(value))) return true;
  if (action === 'job.run' && key === 'job' && value === 'sweep') return true;
  // Number(true), Number(null), Number([1]) are numbers to a coerced parameter; text is checked for its range after coercion.
  if (coerced(action, key) && (typeof value === 'string' || typeof value === 'boolean' || value === null || Array.isArray(value))) return true;
  if (numberAsText(action, key) && typeof value === 'string' && /^[-+]?\d/.test(value.trim())) return true;
  return false;
}

/**
 * Where validation leaves a refusal until after rendering although the chain is wrong whatever the
 * token renders to: "give exactly one of script, inline or command" is reported at the second field
 * given, and a token there defers it. The schema refuses at once.
 */
function deferredByValidation(action: ActionName, key: string, value: unknown): boolean {
  return action === 'script.run' && key === 'inline' && typeof value === 'string' && value.includes('{{');
}

describe('the chain JSON Schema', () => {
  it('compiles in ajv with its default (strict) options and no formats, without a warning', () => {
    const warnings: unknown[] = [];
    const logger = { log: () => undefined, warn: (...args: unknown[]) => warnings.push(args), error: (...args: unknown[]) => warnings.push(args) };
    expect(() => new Ajv2020({ strictTypes: true, logger }).compile(chainJsonSchema())).not.toThrow();
    expect(warnings).toEqual([]);
  });

  it('matches the committed schema/chain.schema.json', () => {
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'chain.schema.json'), 'utf8'))).toEqual(chainJsonSchema());
  });

  const examples = [
    ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json') && !f.endsWith('.results.json')).map((f) => path.join('examples', f)),
    ...fs.readdirSync(path.join(ROOT, 'examples', 'jobs')).filter((f) => f.endsWith('.json')).map((f) => path.join('examples', 'jobs', f)),
  ];
  it.each(examples)('accepts %s, as validate does', (file) => {
    const chain = JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as unknown;
    const said = bothSay(chain);
    expect(said.riposte).toBe(true);
    expect(said.ajv, said.errors).toBe(true);
  });

  const step = (s: Record<string, unknown>) => ({ name: 'hand-made', steps: [s] });
  const decided: [string, unknown, boolean][] = [
    ['an unknown action', step({ id: 'a', action: 'no.such' }), false],
    ['an action name with a typo', step({ id: 'a', action: 'email.sendd', connection: 'smtp', with: { to: 'soc@example.org', subject: 's' } }), false],
    ['a bad e-mail address', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: 'soc-at-example.org', subject: 's' } }), false],
    ['a bad e-mail address in a list', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: ['soc@example.org', 'nobody'], subject: 's' } }), false],
    ['an empty recipient list', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: [], subject: 's' } }), false],
    ['a literal list of addresses in one string', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org, ir@example.org', subject: 's' } }), true],
    ['a literal list with a bad address', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org, nobody', subject: 's' } }), false],
    ['a line break in the sender', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', subject: 's', from: 'r@example.org\r\nBcc: x@example.net' } }), false],
    ['a token choosing the database user', step({ id: 'a', action: 'db.insert', connection: 'db', with: { table: 't', user: '{{result.user}}' } }), false],
    ['a token choosing the interpreter', step({ id: 'a', action: 'script.run', with: { interpreter: '{{result.shell}}', script: 'a.sh' } }), false],
    ['a token as the program of a command line', step({ id: 'a', action: 'script.run', with: { command: '{{result.program}} --now' } }), false],
    ['a token as an argument of a command line', step({ id: 'a', action: 'script.run', with: { command: 'block-ip {{result.src_ip}}' } }), true],
    ['a token as the recipient', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: '{{result.owner}}', subject: 's' } }), true],
    ['a wrong type (text for a boolean)', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', subject: 's', html: 'yes' } }), false],
    ['a token for a boolean', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', subject: 's', html: '{{params.html}}' } }), true],
    ['a missing subject', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org' } }), false],
    ['no subject with the summary format', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', format: 'summary' } }), true],
    ['no subject while a token stands for a boolean (checked after rendering)', step({ id: 'a', action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', table: '{{params.t}}' } }), true],
    ['an unknown parameter', step({ id: 'a', action: 'incident.create', with: { title: 't', titel: 'typo' } }), false],
    ['a missing parameter', step({ id: 'a', action: 'incident.create', with: { severity: 'high' } }), false],
    ['no with where a parameter is needed', step({ id: 'a', action: 'incident.create' }), false],
    ['no with where none is needed', step({ id: 'a', action: 'events.log' }), true],
    ['a value outside an enum', step({ id: 'a', action: 'incident.create', with: { title: 't', severity: 'urgent' } }), false],
    ['a token for an enum', step({ id: 'a', action: 'incident.create', with: { title: 't', severity: '{{result.sev}}' } }), true],
    ['a malformed ATT&CK id', step({ id: 'a', action: 'mitre.tag', with: { techniques: ['X1110'] } }), false],
    ['a number for text', step({ id: 'a', action: 'incident.create', with: { title: 42 } }), false],
    ['text for a number', step({ id: 'a', action: 'risk.assign', with: { score: 'high', scoringType: 's' } }), false],
    ['a token for a number', step({ id: 'a', action: 'risk.assign', with: { score: '{{result.score}}', scoringType: 's' } }), true],
    ['a port number written as text', step({ id: 'a', action: 'webhook.send', with: { protocol: 'https', host: 'x.example.org', port: '8443' } }), true],
    ['a port out of range', step({ id: 'a', action: 'webhook.send', with: { protocol: 'https', host: 'x.example.org', port: 70_000 } }), false],
    ['a webhook with neither host nor connection', step({ id: 'a', action: 'webhook.send', with: { path: '/x' } }), false],
    ['a webhook with a connection instead of a host', step({ id: 'a', action: 'webhook.send', connection: 'hook', with: { path: '/x' } }), true],
    ['an http.post with neither url nor connection', step({ id: 'a', action: 'http.post' }), false],
    ['a literal secret as a webhook password', step({ id: 'a', action: 'webhook.send', with: { protocol: 'https', host: 'x.example.org', auth: { type: 'basic', username: 'u', password: 'hunter2' } } }), false],
    ['a secret reference as a webhook password', step({ id: 'a', action: 'webhook.send', with: { protocol: 'https', host: 'x.example.org', auth: { type: 'basic', username: 'u', password: 'env:HOOK_PASSWORD' } } }), true],
    ['an unknown auth type', step({ id: 'a', action: 'webhook.send', with: { protocol: 'https', host: 'x.example.org', auth: { type: 'digest' } } }), false],
    ['a missing connection', step({ id: 'a', action: 'email.send', with: { to: 'soc@example.org', subject: 's' } }), false],
    ['a connection on an action that takes none', step({ id: 'a', action: 'incident.create', connection: 'smtp', with: { title: 't' } }), false],
    ['a host on an action other than script.run', step({ id: 'a', action: 'events.log', host: 'edge-1' }), false],
    ['a script and an inline script at once', step({ id: 'a', action: 'script.run', with: { interpreter: 'bash', script: 'a.sh', inline: 'echo' } }), false],
    ['a script without an interpreter', step({ id: 'a', action: 'script.run', with: { script: 'a.sh' } }), false],
    ['a command with an interpreter', step({ id: 'a', action: 'script.run', with: { interpreter: 'bash', command: ['ls'] } }), false],
    ['a password without a username', step({ id: 'a', action: 'http.post', with: { url: 'https://x.example.org/', password: 'env:P' } }), false],
    ['a case-insensitive URL scheme', step({ id: 'a', action: 'http.post', with: { url: 'HTTPS://x.example.org/' } }), true],
    ['a drilldown link that is no URL', step({ id: 'a', action: 'incident.create', with: { title: 't', drilldown: { type: 'link', text: 'not a link' } } }), false],
    ['allResults with values', step({ id: 'a', action: 'db.insert', connection: 'db', with: { table: 't', allResults: true, values: { a: 'b' } } }), false],
    ['enrichment of neither the Insight nor its Signals', step({ id: 'a', action: 'recordedfuture.enrich', connection: 'rf', with: { enrichInsight: false } }), false],
    ['a step id that every object has', step({ id: 'constructor', action: 'events.log' }), false],
    ['a malformed step id', step({ id: 'Step 1', action: 'events.log' }), false],
    ['a malformed duration', step({ id: 'a', action: 'events.log', timeout: '30 seconds' }), false],
    ['a schedule with both cron and every', { name: 's', schedule: { cron: '* * * * *', every: '5m' }, steps: [{ id: 'a', action: 'events.log' }] }, false],
    ['a chain without steps', { name: 's', steps: [] }, false],
    ['an unknown chain field', { name: 's', stesp: [], steps: [{ id: 'a', action: 'events.log' }] }, false],
  ];
  it.each(decided)('agrees with validate on %s', (_what, chain, valid) => {
    const said = bothSay(chain);
    expect(said.riposte).toBe(valid);
    expect(said.ajv, said.errors).toBe(valid);
  });

  // What only validation can see: it refuses these, the schema accepts them (it is never stricter).
  const beyond: [string, unknown][] = [
    ['duplicate step ids', { name: 'd', steps: [{ id: 'a', action: 'events.log' }, { id: 'a', action: 'events.log' }] }],
    ['a token reading a later step', { name: 'd', steps: [{ id: 'a', action: 'events.log', with: { message: '{{steps.b.lines}}' } }, { id: 'b', action: 'events.log' }] }],
    ['a token with an unknown root', step({ id: 'a', action: 'events.log', with: { message: '{{nothing.here}}' } })],
    ['malformed template syntax', step({ id: 'a', action: 'events.log', with: { message: '{{#if x}}' } })],
    ['a host chosen by a result', step({ id: 'a', action: 'webhook.send', with: { protocol: 'https', host: '{{result.host}}' } })],
    ['a cron expression that does not parse', { name: 's', schedule: { cron: 'every day' }, steps: [{ id: 'a', action: 'events.log' }] }],
    ['a step timeout beyond its bounds', step({ id: 'a', action: 'events.log', timeout: '400d' })],
  ];
  it.each(beyond)('leaves %s to validate', (_what, chain) => {
    const said = bothSay(chain);
    expect(said.riposte).toBe(false);
    expect(said.ajv).toBe(true);
  });

  it('agrees with validate on every parameter of every action tried with every kind of value', () => {
    const disagreements: string[] = [];
    let compared = 0;
    for (const action of ACTION_NAMES) {
      const base = MINIMAL[action].with ?? {};
      expect(bothSay(chainWith(action, MINIMAL[action].with)), action).toMatchObject({ ajv: true, riposte: true });
      for (const key of paramNames(action)) {
        for (const value of VALUES) {
          if (beyondShape(action, key, value) || deferredByValidation(action, key, value)) continue;
          const said = bothSay(chainWith(action, { ...base, [key]: value }));
          compared++;
          if (said.ajv !== said.riposte) disagreements.push(`${action} with.${key} = ${JSON.stringify(value)}: ajv ${said.ajv}, validate ${said.riposte} ${said.errors}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBeGreaterThan(2_000);
  });
});
