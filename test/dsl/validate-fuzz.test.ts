// Validation under fire: thousands of generated broken chains, none of which may crash the validator or pass with a malformed shape.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateChain } from '../../dsl';

const ROOT = path.join(__dirname, '..', '..');
const corpus = Object.values(JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'hostile-values.json'), 'utf8')) as Record<string, string>);
const seeds = [...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json') && !f.includes('results')).map((f) => path.join(ROOT, 'examples', f)), ...fs.readdirSync(path.join(ROOT, 'examples', 'jobs')).map((f) => path.join(ROOT, 'examples', 'jobs', f))]
  .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as unknown)
  .filter((c) => typeof c === 'object' && c !== null && 'steps' in (c as object));

/** A small seeded generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEIRD: unknown[] = [null, true, 0, -1, 1e308, Number.MAX_SAFE_INTEGER, '', ' ', '{{', '{{#each results}}', '{{/if}}', '{{> partial}}', '{{*decorator}}', '{{lookup . "constructor"}}', '{{log result}}', '{{steps.nope.x}}', '0s', '-5s', '1e9d', [], [[[]]], {}, { __proto__: { polluted: true } }, ...corpus];
const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'steps', 'with', 'id', 'action', 'mode', 'when', 'timeout', 'retry', 'throttle', 'schedule', 'cron', 'timezone', 'connection', 'merge', 'x'];

function mutate(value: unknown, next: () => number, depth = 0): unknown {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  if (next() < 0.08) return pick(WEIRD);
  if (Array.isArray(value)) {
    const copy = value.map((v) => mutate(v, next, depth + 1));
    if (next() < 0.1) copy.push(pick(WEIRD));
    if (next() < 0.1) copy.splice(Math.floor(next() * copy.length), 1);
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (next() > 0.05) out[k] = mutate(v, next, depth + 1);
    if (next() < 0.1) Object.defineProperty(out, pick(KEYS), { value: pick(WEIRD), enumerable: true, writable: true, configurable: true });
    return out;
  }
  if (typeof value === 'string' && next() < 0.15) return value.slice(0, Math.floor(next() * value.length)) + pick(['{{', '}}', '{{#if', '\u0000', '\r\n', '']);
  return value;
}

describe('chain validation', () => {
  it('answers every one of 3,000 generated broken chains with problems by path, never a crash', () => {
    expect(seeds.length).toBeGreaterThan(3);
    let refused = 0;
    for (let seed = 1; seed <= 3_000; seed++) {
      const next = random(seed);
      const chain = mutate(seeds[seed % seeds.length], next);
      let result: ReturnType<typeof validateChain>;
      try {
        result = validateChain(chain);
      } catch (err) {
        throw new Error(`seed ${seed}: validateChain threw ${(err as Error).stack}`);
      }
      if (!result.ok) {
        refused++;
        for (const p of result.problems) {
          expect(typeof p.path, `seed ${seed}`).toBe('string');
          expect(p.message.length, `seed ${seed}`).toBeGreaterThan(0);
        }
      } else {
        expect(Array.isArray(result.chain.steps), `seed ${seed}`).toBe(true);
      }
    }
    // Most mutations break something; a generator that broke nothing would test nothing.
    expect(refused).toBeGreaterThan(1_500);
  });

  it('answers a chain nested thousands of levels deep without overflowing the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const result = validateChain({ name: 'deep', steps: [{ id: 'a', action: 'events.log', with: { x: deep } }] });
    expect(result.ok).toBe(false);
  });
});
