// `riposte approvals list|approve|reject`: the approvals runs wait for, decided from the command line as the CLI user.
import os from 'node:os';
import type { Command } from 'commander';
import { Store } from '../store/store';
import type { ApprovalStatus, StoredApproval } from '../store/approvals';
import { loadConfig } from '../config/config';
import { connectClient } from '../control/client';
import { ApprovalDoorError, decideApproval, describeClosed, findApproval, printable } from '../control/approvals';
import { runningDev } from './environment';

/** A mistake the command reports as one line with exit code 1. */
class ApprovalCommandError extends Error {}

/** Who decides from the CLI: the operating-system user (`$USER`, else the account's name). */
export function cliUser(env: NodeJS.ProcessEnv = process.env): string {
  const user = env.USER ?? env.LOGNAME ?? env.USERNAME;
  if (user && user.trim()) return user.trim();
  try {
    return os.userInfo().username;
  } catch {
    return 'cli';
  }
}

function line(a: StoredApproval): string {
  const message = printable(a.message);
  return [a.runId, a.stepId, a.index ?? '-', a.status, a.status === 'pending' ? `expires ${a.expiresAt}` : describeClosed(a), message.length > 100 ? `${message.slice(0, 99)}…` : message].map((v) => printable(String(v))).join('\t');
}

async function handled(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (err instanceof ApprovalCommandError || err instanceof ApprovalDoorError) {
      process.stderr.write(`${printable(err.message)}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

function parseIndex(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new ApprovalCommandError(`--index ${text}: give the result's index, a whole number from 0`);
  return Number(text);
}

async function decide(decision: 'approved' | 'rejected', run: string, step: string, opts: { index?: string; comment?: string; json?: boolean }): Promise<void> {
  const cfg = loadConfig();
  const index = parseIndex(opts.index);
  const address = cfg.temporal.address ?? (await runningDev(cfg))?.address;
  if (!address) throw new ApprovalCommandError('no Temporal server: set TEMPORAL_ADDRESS, or start `riposte dev`; the run that waits lives there');
  const store = await Store.open(cfg.storeUrl);
  try {
    const approval = await findApproval(store, run, step, index);
    const client = await connectClient(cfg, address);
    try {
      const out = await decideApproval(client, store, approval, { decision, by: cliUser(), verified: true, via: 'cli', ...(opts.comment ? { comment: opts.comment } : {}) });
      if (opts.json) console.log(JSON.stringify({ key: approval.key, ...out }, null, 2));
      else console.log(`${out.decision}: step "${approval.stepId}"${approval.index !== null ? ` result ${approval.index}` : ''} of run ${approval.runId}, by ${out.by} at ${out.at}`);
    } finally {
      await client.connection.close();
    }
  } finally {
    await store.close();
  }
}

/** Adds `approvals list|approve|reject` to the program. */
export function addApprovalCommands(program: Command): void {
  const approvals = program.command('approvals').description('approvals runs wait for (approval.request steps): list them, approve or reject');
  approvals
    .command('list')
    .description('pending approvals, newest first (RUN STEP INDEX STATUS EXPIRES MESSAGE)')
    .option('--all', 'every approval, decided ones too')
    .option('--status <status>', 'only approvals with this status: pending, approved, rejected, timed_out, cancelled, failed, closed')
    .option('--run <run>', 'only the approvals of this run')
    .option('--limit <n>', 'how many, newest first', '100')
    .option('--json', 'print a JSON array')
    .action((opts: { all?: boolean; status?: string; run?: string; limit: string; json?: boolean }) =>
      handled(async () => {
        const statuses = ['pending', 'approved', 'rejected', 'timed_out', 'cancelled', 'failed', 'closed'];
        if (opts.status && !statuses.includes(opts.status)) throw new ApprovalCommandError(`--status ${opts.status}: one of ${statuses.join(', ')}`);
        const store = await Store.open(loadConfig().storeUrl);
        try {
          const rows = await store.approvals.list({ status: opts.all ? 'all' : ((opts.status as ApprovalStatus | undefined) ?? 'pending'), limit: Number(opts.limit) || 100, ...(opts.run ? { runId: opts.run } : {}) });
          if (opts.json) console.log(JSON.stringify(rows, null, 2));
          else if (rows.length === 0) console.log(opts.all || opts.status ? 'no approvals' : 'no pending approvals');
          else for (const a of rows) console.log(line(a));
        } finally {
          await store.close();
        }
      }),
    );
  for (const [name, decision] of [['approve', 'approved'], ['reject', 'rejected']] as const) {
    approvals
      .command(name)
      .description(`${name} the approval of step STEP of run RUN, as the CLI user ($USER); the first valid decision wins`)
      .argument('<run>', 'the run id (as `riposte approvals list` shows it)')
      .argument('<step>', 'the approval.request step id')
      .option('--index <n>', 'the result index, for a step in each mode waiting once per result')
      .option('--comment <text>', 'a comment kept with the decision')
      .option('--json', 'print the decision as JSON')
      .action((run: string, step: string, opts: { index?: string; comment?: string; json?: boolean }) => handled(() => decide(decision, run, step, opts)));
  }
}
