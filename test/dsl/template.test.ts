// Tokens: helpers, escaping by field, missing fields and strict chains.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TemplateError, isPlainTemplate, renderString, renderTree, type Escaping } from '../../dsl';

const context = {
  result: { src_ip: '10.0.0.5', user: 'Alice', count: 7, note: 'a,"b"\nc' },
  results: [
    { src_ip: '10.0.0.5', note: 'a,"b"\nc' },
    { src_ip: '10.0.0.9', note: '<b>' },
  ],
  params: { blockHours: 24 },
  job: { name: 'ssh' },
};

const render = (text: string, strict = false) => renderString(text, context, { strict }).text;

describe('tokens', () => {
  it('provides the helper set of the design', () => {
    expect(render('{{upper result.user}} {{lower result.user}}')).toBe('ALICE alice');
    expect(render('{{json results.length}} {{json params}}')).toBe('2 {"blockHours":24}');
    expect(render('{{#if (gt results.length 1)}}many{{else}}few{{/if}}')).toBe('many');
    expect(render('{{and (eq result.count 7) (ne result.user "bob") (not false)}} {{or false (lte 2 1)}} {{gte 3 3}} {{lt 1 2}}')).toBe('true false true true');
    expect(render('{{default result.missing "n/a"}}')).toBe('n/a');
    expect(render('{{join (lookup result "src_ip") ","}}')).toBe('10.0.0.5');
    expect(render('{{urlencode "a b&c"}}')).toBe('a%20b%26c');
    expect(render('{{date "2024-03-05T07:08:09Z" "YYYY-MM-DD HH:mm:ss"}}')).toBe('2024-03-05 07:08:09');
  });

  it('writes RFC 4180 CSV where commas, quotes and newlines survive', () => {
    expect(render('{{csv results}}')).toBe('src_ip,note\r\n10.0.0.5,"a,""b""\nc"\r\n10.0.0.9,<b>\r\n');
  });

  it('escapes HTML only where the field is HTML', () => {
    expect(renderString('{{result.note}}', { result: { note: '<b>' } }, { escaping: 'html' }).text).toBe('&lt;b&gt;');
    expect(renderString('{{result.note}}', { result: { note: '<b>' } }).text).toBe('<b>');
    expect(renderString('{{table results}}', context, { escaping: 'html' }).text).toContain('<td>&#60;b&#62;</td>');
  });

  it('renders a missing field empty and lists it; a strict chain fails with its position', () => {
    expect(renderString('ip={{result.dst_ip}}', context)).toEqual({ text: 'ip=', missing: ['result.dst_ip'] });
    expect(() => render('ip={{result.dst_ip}}', true)).toThrow(TemplateError);
    expect(() => render('ip={{result.dst_ip}}', true)).toThrow(/token \{\{result.dst_ip\}\} names a missing field/);
  });

  it('keeps JSON bodies valid JSON: whole-token leaves keep their type', () => {
    const out = renderTree({ n: '{{json results.length}}', rows: '{{json results}}', text: 'ip "{{result.src_ip}}"' }, context);
    expect(out.value).toEqual({ n: 2, rows: context.results, text: 'ip "10.0.0.5"' });
    expect(JSON.parse(JSON.stringify(out.value))).toEqual(out.value);
  });

  it('names the field and position of a template error', () => {
    expect(() => renderTree({ title: 'x {{#each}}' }, context, {}, ['with'])).toThrow(/with\.title: bad token syntax/);
  });
});

describe('plain templates (text and value tokens only)', () => {
  // Rendered without Handlebars' runtime; each must read exactly as Handlebars renders it. The same
  // text followed by an empty block is not plain, so Handlebars renders it: the two must agree.
  const hostile = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'hostile-values.json'), 'utf8')) as Record<string, string>;
  const values: unknown[] = [...Object.values(hostile), '', 0, -1.5, false, true, null, ['a', 'b<'], [], { a: 1 }, 'a & b < c > d " e \' f ` g = h', '%2F..%2F', 'x'.repeat(300)];
  const contexts = values.map((value) => ({
    result: { v: value, 'with space': value, nested: { v: value }, list: [value, value] },
    results: [{ v: value }, { v: 'second' }],
    params: { v: value },
    globals: { soc: 'soc@example.org' },
  }));
  const plain = [
    '{{result.v}}',
    '{{{result.v}}}',
    'ip={{result.v}}; again {{ result.v }} and {{{result.nested.v}}}.',
    '{{result.[with space]}}',
    '{{result.list.[0]}}/{{result.list.[1]}}/{{result.list}}',
    '{{results.[0].v}} of {{results.length}}',
    '{{result.v.length}} {{result.v.toString}} {{result.list.length}}',
    '{{result.missing.deeper}}|{{nothing}}|{{result.v.x.y}}',
    '{{params.v}}-{{globals.soc}}',
    'a {{~result.v~}} b\n  {{~ result.nested.v}}',
    '\\{{result.v}} {{result.v}}',
    '{{result}} {{results}}',
  ];
  const notPlain = ['{{upper result.v}}', '{{#if result.v}}x{{/if}}', '{{this.result.v}}', '{{@root.result.v}}', '{{result.constructor}}', '{{result.v.__proto__}}', '{{! note }}{{result.v}}', '{{json}}', '{{lookup}}'];

  it('takes the plain path for text and value tokens, and Handlebars for everything else', () => {
    for (const text of plain) expect(isPlainTemplate(text), text).toBe(true);
    for (const text of notPlain) expect(isPlainTemplate(text), text).toBe(false);
  });

  it('renders every value of the hostile corpus as Handlebars does, in text, HTML and URL fields', () => {
    for (const escaping of ['text', 'html', 'uri'] as Escaping[]) {
      for (const context of contexts) {
        for (const text of [...plain, ...notPlain.slice(2, -2)]) {
          const viaHandlebars = renderString(`${text}{{#if 1}}{{/if}}`, context, { escaping });
          expect(renderString(text, context, { escaping }), `${escaping} ${text} ${JSON.stringify(context.result.v)}`).toEqual(viaHandlebars);
        }
      }
    }
  });
});
