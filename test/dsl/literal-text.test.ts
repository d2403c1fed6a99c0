// Structure read from literal chain text before rendering: recipient lists, argv words, token-written tables, CSV cells.
import { describe, expect, it } from 'vitest';
import { prepareStep, renderString, stepContext, toCsv, validateChain, type Chain } from '../../dsl';
import { splitCommandTemplate } from '../../dsl/actions/script-run';
import { splitLiteralList } from '../../dsl/segments';
import hostile from '../fixtures/hostile-values.json';

const values = Object.entries(hostile).filter(([k]) => k !== '$comment') as [string, string][];

/** The parameters a step's activity would receive for `result`, rendered as the workflow renders them. */
function rendered(step: Record<string, unknown>, result: Record<string, unknown>): Record<string, unknown> {
  const chain = { name: 'c', steps: [{ id: 's', ...step }] } as unknown as Chain;
  const base = { results: [result], params: {}, globals: {}, job: { name: 'c' }, run: { id: 'r', startedAt: '2026-01-01T00:00:00Z' }, trigger: { type: 'manual' } };
  const prepared = prepareStep(chain, chain.steps[0], 0, stepContext(base, {}, 0), { parse: false });
  if (prepared.skip) throw new Error('skipped');
  return prepared.params as Record<string, unknown>;
}

function problems(step: Record<string, unknown>): string[] {
  const v = validateChain({ name: 'c', steps: [{ id: 's', ...step }] });
  return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('literal recipient lists', () => {
  it('splits only the commas of the literal text, never those inside a token or quotes', () => {
    expect(splitLiteralList('a@example.org, {{result.owner}} ,b@example.org')).toEqual(['a@example.org', '{{result.owner}}', 'b@example.org']);
    expect(splitLiteralList('{{join result.list ", "}}')).toEqual(['{{join result.list ", "}}']);
    expect(splitLiteralList('"Doe, J" <j@example.org>, k@example.org')).toEqual(['"Doe, J" <j@example.org>', 'k@example.org']);
    expect(splitLiteralList('{{#if x}}a@x, b@y{{/if}}, c@z')).toEqual(['{{#if x}}a@x, b@y{{/if}}', 'c@z']);
  });

  it('keeps a token that renders to a list as one entry, which the schema then refuses', () => {
    const params = rendered({ action: 'email.send', connection: 'm', with: { to: 'soc@example.org, {{result.x}}', subject: 's' } }, { x: hostile.addressList });
    expect(params.to).toEqual(['soc@example.org', hostile.addressList]);
    const v = validateChain({ name: 'c', steps: [{ id: 's', action: 'email.send', connection: 'm', with: { to: 'soc@example.org, lead@example.org', subject: 's' } }] });
    expect(v.ok).toBe(true);
  });

  it('validates the literal part of a list that also holds a token, and refuses address-bearing headers with the reason', () => {
    expect(problems({ action: 'email.send', connection: 'm', with: { to: 'nobody, {{result.x}}', subject: 's' } })).toContain('steps[0].with.to[0]: not an e-mail address');
    const found = problems({ action: 'email.send', connection: 'm', with: { to: ['a@example.org'], subject: 's', headers: { Cc: 'x@y.z', bcc: 'x@y.z', 'Resent-Reply-To': 'x@y.z', 'Disposition-Notification-To': 'x@y.z', 'X-Fine': 'a' } } });
    expect(found).toEqual([
      'steps[0].with.headers.Cc: header "Cc" carries addresses and cannot be set; recipients come only from to, cc and bcc',
      'steps[0].with.headers.bcc: header "bcc" carries addresses and cannot be set; recipients come only from to, cc and bcc',
      'steps[0].with.headers.Resent-Reply-To: header "Resent-Reply-To" is reserved for the system and cannot be set (Resent-* headers carry addresses)',
      'steps[0].with.headers.Disposition-Notification-To: header "Disposition-Notification-To" carries addresses and cannot be set; recipients come only from to, cc and bcc',
    ]);
  });
});

describe('command words', () => {
  it('keeps each token inside the word it was written in, whatever its value holds', () => {
    const split = splitCommandTemplate("/usr/bin/block --ip={{result.ip}} '{{result.note}}' {{result.x}} -v");
    expect(split).toEqual({
      words: [
        { template: '/usr/bin/block', hasToken: false, tokenLeads: false },
        { template: '--ip={{result.ip}}', hasToken: true, tokenLeads: false },
        { template: '{{result.note}}', hasToken: true, tokenLeads: true },
        { template: '{{result.x}}', hasToken: true, tokenLeads: true },
        { template: '-v', hasToken: false, tokenLeads: false },
      ],
    });
    for (const [name, value] of values) {
      const params = rendered({ action: 'script.run', with: { command: '/usr/bin/printf %s {{result.x}} --ip={{result.x}}' } }, { x: value });
      expect(params.command, name).toEqual(['/usr/bin/printf', '%s', { fromToken: value }, `--ip=${value}`]);
    }
  });

  it('marks token-led arguments and leaves literal ones alone', () => {
    const params = rendered({ action: 'script.run', with: { interpreter: 'bash', inline: 'echo', args: ['-n', '{{result.x}}', '--x={{result.x}}', '-{{result.x}}', { literal: '{{result.x}}' }, { property: 'x' }] } }, { x: hostile.optionLike });
    expect(params.args).toEqual(['-n', { fromToken: hostile.optionLike }, `--x=${hostile.optionLike}`, { fromToken: `-${hostile.optionLike}` }, { fromToken: hostile.optionLike }, { property: 'x' }]);
  });

  it('refuses tokens in what chooses the program, and shell syntax around a token, before the chain runs', () => {
    expect(problems({ action: 'script.run', with: { command: '{{result.prog}} -x' } })).toEqual(['steps[0].with.command: the program (the first word) chooses what runs, so it must be written out; pass values from results as arguments']);
    expect(problems({ action: 'script.run', with: { command: ['/opt/{{result.prog}}'] } })).toEqual(['steps[0].with.command[0]: the program (the first word) chooses what runs, so it must be written out; pass values from results as arguments']);
    expect(problems({ action: 'script.run', with: { interpreter: '{{result.i}}', script: 'a.sh' } })[0]).toMatch(/^steps\[0\]\.with\.interpreter: the interpreter chooses what runs/);
    expect(problems({ action: 'script.run', with: { interpreter: 'bash', script: '{{result.s}}' } })[0]).toMatch(/^steps\[0\]\.with\.script: the script name chooses what runs/);
    expect(problems({ action: 'script.run', with: { interpreter: 'bash', inline: 'echo {{result.x}}' } })).toEqual(['steps[0].with.inline: the inline script cannot hold tokens: a value would become code; pass it as an argument in "args" and read it as $1 (sys.argv[1] in Python)']);
    expect(problems({ action: 'script.run', with: { command: '/usr/bin/block {{result.ip}} | nc x 1' } })[0]).toContain('shell operator "|"');
  });
});

describe('token-written tables and users', () => {
  it('marks a table name holding a token, refuses a qualified one, and refuses a token in the user', () => {
    const params = rendered({ action: 'db.insert', connection: 'd', with: { table: 'audit_{{result.t}}' } }, { t: 'x' });
    expect(params.table).toEqual({ fromToken: 'audit_x' });
    expect(problems({ action: 'db.insert', connection: 'd', with: { table: 't', user: '{{result.u}}' } })).toEqual(['steps[0].with.user: the user picks the credentials that write, so it must be written out; a token cannot choose it']);
  });
});

describe('CSV cells', () => {
  it('neutralises formula cells as OWASP advises, in values and column names, and keeps numbers', () => {
    const csv = toCsv([{ a: hostile.formula, b: hostile.formulaPlus, c: hostile.formulaAt, d: hostile.formulaTab, e: '\rcr', f: -5, g: '-5', h: 'plain' }, { '=cmd': 1 }]);
    expect(csv.split('\r\n')).toEqual([
      `a,b,c,d,e,f,g,h,"'=cmd"`,
      `"'=HYPERLINK(""http://evil.example/"",""click"")","'+cmd|' /C calc'!A0","'@SUM(1+1)","'\tleading tab","'\rcr",-5,"'-5",plain,`,
      ',,,,,,,,1',
      '',
    ]);
  });

  it('reads only the rows\' own fields in the csv and table helpers', () => {
    const context: Record<string, unknown> = { results: [{ a: 1 }, JSON.parse('{"constructor": "own"}')] };
    expect(renderString('{{csv results "constructor"}}', context).text).toBe('constructor\r\n\r\nown\r\n');
    expect(renderString('{{csv results "__proto__,toString"}}', context).text).toBe('__proto__,toString\r\n,\r\n,\r\n');
    expect(renderString('{{table results "text"}}', { results: [{ a: 1 }] }).text).not.toContain('function');
  });
});
