// The scripts directory: registering a script strips the CR characters a Windows editor leaves.
import fs from 'node:fs';
import path from 'node:path';
import { scriptNamePattern } from '../../dsl/actions/script-run';

/** Removes every CR, so `#!/bin/bash\r` and `exit 0\r` lines written on Windows run. */
export function stripCarriageReturns(text: string): string {
  return text.replace(/\r/g, '');
}

/** The path of a registered script; the name is checked so it cannot leave the directory. */
export function registeredScriptPath(dir: string, name: string): string {
  if (!scriptNamePattern.test(name)) throw new Error(`"${name}" is not a script name: use letters, digits, ".", "_" and "-"`);
  return path.join(dir, name);
}

/** Copies `file` into the scripts directory as `name`, CRs stripped; returns where it went and how many CRs were removed. */
export function registerScript(dir: string, name: string, file: string): { path: string; strippedCr: number } {
  const target = registeredScriptPath(dir, name);
  const text = fs.readFileSync(file, 'utf8');
  const clean = stripCarriageReturns(text);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${target}.tmp`, clean, { mode: 0o644 });
  fs.renameSync(`${target}.tmp`, target);
  return { path: target, strippedCr: text.length - clean.length };
}
