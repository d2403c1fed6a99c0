// `riposte secret encrypt`: an enc:v1: value with the master key.
import type { Command } from 'commander';
import fs from 'node:fs';
import { encryptSecret, masterKey } from '../../config/secrets';
import type { CliContext } from '../context';

export function registerSecret(program: Command, _ctx: CliContext): void {
  const secret = program.command('secret').description('manage encrypted values');
  secret
    .command('encrypt')
    .description('encrypt a value (from stdin) into an enc:v1: value with the master key (RIPOSTE_MASTER_KEY)')
    .action(() => {
      const value = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      console.log(encryptSecret(value, masterKey()));
    });
}
