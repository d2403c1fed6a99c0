#!/usr/bin/env node
// The riposte command line: builds the program, registers every command (one file each under commands/) and reports failures.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { TemporalNotFoundError } from '../worker/temporal-server';
import { UserError } from '../config/user-error';
import { cliContext, type CliContext } from './context';
import { registerValidate } from './commands/validate';
import { registerRun } from './commands/run';
import { registerTest } from './commands/test';
import { registerDev } from './commands/dev';
import { registerWorker } from './commands/worker';
import { registerIncidents } from './commands/incidents';
import { registerDocs } from './commands/docs';
import { registerApi } from './commands/api';
import { registerSchedules } from './commands/schedules';
import { registerGraph } from './commands/graph';
import { registerSchema } from './commands/schema';
import { registerSecret } from './commands/secret';
import { registerScript } from './commands/script';
import { registerCodecServer } from './commands/codec-server';
import { registerExample } from './commands/example';
import { addTriggerCommands } from './triggers';
import { addApprovalCommands } from './approvals';
import { addOperatorCommands } from './operator-commands';

/** In the order `riposte --help` lists them. */
const COMMANDS: ((program: Command, ctx: CliContext) => void)[] = [
  registerValidate,
  registerRun,
  registerTest,
  registerDev,
  registerWorker,
  registerIncidents,
  registerDocs,
  registerApi,
  registerSchedules,
  registerGraph,
  registerSchema,
  registerSecret,
  registerScript,
  registerCodecServer,
  registerExample,
  addTriggerCommands,
  addApprovalCommands,
  addOperatorCommands,
];

/** The package's version, from its package.json. */
function version(packageRoot: string): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The whole program, every command registered. */
function buildProgram(ctx: CliContext): Command {
  const program = new Command();
  program.name('riposte').description("Runs a security rule's active responses as durable Temporal workflows").version(version(ctx.packageRoot), '-V, --version', 'print the version').showHelpAfterError();
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

// dist/cli/main.js: the package is two directories up.
buildProgram(cliContext(path.join(__dirname, '..', '..')))
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof UserError || err instanceof TemporalNotFoundError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`riposte: ${(err as Error)?.stack ?? String(err)}\n`);
    }
    process.exitCode = 1;
  });
