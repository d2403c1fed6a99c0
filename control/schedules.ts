// Makes Temporal Schedules match the scheduled jobs of the jobs directory: create, update, pause, delete.
import crypto from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions, type ScheduleSpec } from '@temporalio/client';
import { ENGINE, RUN_WORKFLOW, startSearchAttributes, durationMs, type Chain, type RunInput } from '../dsl';
import type { Config } from '../config/config';
import type { JobCatalog } from '../config/jobs';

/** Schedule ids riposte owns start with this. */
export const SCHEDULE_PREFIX = 'riposte/';
/** The schedule memo key that marks a schedule as riposte's, with the installation that owns it. */
export const OWNER_MEMO = 'riposteOwner';
/** The started workflow's memo key holding the fingerprint of what the schedule was synced from. */
const FINGERPRINT_MEMO = 'riposteSchedule';

const OVERLAP: Record<NonNullable<Chain['schedule']>['overlap'], ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

/** One thing sync did (or, with a dry run, would do). */
export interface ScheduleChange {
  change: 'created' | 'updated' | 'paused' | 'resumed' | 'deleted' | 'unchanged' | 'skipped';
  scheduleId: string;
  detail: string;
}

/** Options for {@link syncSchedules}. */
export interface SyncOptions {
  dryRun?: boolean;
  /** The Temporal UI base URL, for `run.url` in scheduled runs. */
  uiUrl?: string;
}

/** The schedule id of a job. */
export function scheduleId(job: string): string {
  return `${SCHEDULE_PREFIX}${job}`;
}

/** Which installation owns a schedule: one namespace and task queue, so two installations never delete each other's. */
function ownerOf(config: Config): string {
  return `${config.temporal.namespace}/${config.temporal.taskQueue}`;
}

function describeSchedule(schedule: NonNullable<Chain['schedule']>): string {
  const when = schedule.every ? `every ${schedule.every}` : `cron ${[schedule.cron].flat().join(' | ')}`;
  return `${when}${schedule.timezone ? ` ${schedule.timezone}` : ''}, overlap ${schedule.overlap}`;
}

function specOf(schedule: NonNullable<Chain['schedule']>): ScheduleSpec {
  if (schedule.every) return { intervals: [{ every: durationMs(schedule.every) }], ...(schedule.timezone ? { timezone: schedule.timezone } : {}) };
  return { cronExpressions: [schedule.cron!].flat(), ...(schedule.timezone ? { timezone: schedule.timezone } : {}) };
}

/** Problems with a schedule that validation of the chain alone cannot see. */
export function scheduleProblems(chain: Chain): string[] {
  const problems: string[] = [];
  const tz = chain.schedule?.timezone;
  if (tz) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      problems.push(`schedule.timezone: unknown time zone "${tz}"; use an IANA name such as "Europe/Paris" or "UTC"`);
    }
  }
  if (chain.schedule?.every && durationMs(chain.schedule.every) < 1_000) problems.push('schedule.every: the shortest interval is "1s"');
  return problems;
}

interface Desired {
  id: string;
  job: string;
  options: Omit<ScheduleOptions, 'scheduleId' | 'memo'>;
  fingerprint: string;
  paused: boolean;
  detail: string;
}

function desiredSchedule(config: Config, chain: Chain, options: SyncOptions): Desired {
  const schedule = chain.schedule!;
  const input: RunInput = { chain, results: [], trigger: { type: 'schedule' }, globals: config.globals, ...(options.uiUrl ? { uiUrl: options.uiUrl } : {}), engine: ENGINE };
  const spec = specOf(schedule);
  // `active` shows as the paused state, so turning a job on or off reads as a pause or resume, not an update.
  const fingerprint = crypto
    .createHash('sha256')
    .update(JSON.stringify({ spec, input: { ...input, chain: { ...chain, active: true } }, overlap: schedule.overlap, taskQueue: config.temporal.taskQueue }))
    .digest('hex')
    .slice(0, 16);
  return {
    id: scheduleId(chain.name),
    job: chain.name,
    fingerprint,
    paused: !chain.active,
    detail: describeSchedule(schedule),
    options: {
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: RUN_WORKFLOW,
        // The schedule appends the scheduled time, so each run has its own id.
        workflowId: `${chain.name}-scheduled`,
        taskQueue: config.temporal.taskQueue,
        args: [input],
        memo: { [FINGERPRINT_MEMO]: fingerprint },
        typedSearchAttributes: startSearchAttributes(chain, 'schedule'),
        staticSummary: `${chain.name}: scheduled${chain.search ? ' search' : ''}, ${chain.steps.length} step(s)`,
      },
      policies: { overlap: OVERLAP[schedule.overlap], catchupWindow: '1m' },
      state: { paused: !chain.active, note: chain.active ? `synced by riposte` : 'paused by riposte: the job is inactive ("active": false)' },
    },
  };
}

/**
 * Makes the Temporal Schedules of this installation match the scheduled jobs of `catalog`: creates
 * missing ones, updates changed ones, pauses inactive jobs' and deletes those whose job is gone. It
 * only touches schedules whose id starts with `riposte/` and whose memo names this installation;
 * while some job file does not validate it deletes nothing, since that file may be a job's.
 */
export async function syncSchedules(client: Client, config: Config, catalog: JobCatalog, options: SyncOptions = {}): Promise<ScheduleChange[]> {
  const changes: ScheduleChange[] = [];
  const owner = ownerOf(config);
  const wanted = new Map<string, Desired>();
  for (const { chain } of catalog.jobs.values()) {
    if (!chain.schedule) continue;
    const problems = scheduleProblems(chain);
    if (problems.length) {
      changes.push({ change: 'skipped', scheduleId: scheduleId(chain.name), detail: problems.join('; ') });
      continue;
    }
    wanted.set(scheduleId(chain.name), desiredSchedule(config, chain, options));
  }

  for (const desired of wanted.values()) {
    const handle = client.schedule.getHandle(desired.id);
    let current: Awaited<ReturnType<typeof handle.describe>> | undefined;
    try {
      current = await handle.describe();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    if (!current) {
      if (!options.dryRun) await client.schedule.create({ scheduleId: desired.id, memo: { [OWNER_MEMO]: owner }, ...desired.options });
      changes.push({ change: 'created', scheduleId: desired.id, detail: `${desired.detail}${desired.paused ? ', paused (job inactive)' : ''}` });
      continue;
    }
    if (current.memo?.[OWNER_MEMO] !== owner) {
      changes.push({ change: 'skipped', scheduleId: desired.id, detail: `a schedule with this id exists and is not this installation's (${String(current.memo?.[OWNER_MEMO] ?? 'not riposte')}); delete or rename it` });
      continue;
    }
    const currentFingerprint = current.action.type === 'startWorkflow' ? current.action.memo?.[FINGERPRINT_MEMO] : undefined;
    const sameAction = currentFingerprint === desired.fingerprint;
    const samePause = current.state.paused === desired.paused;
    if (sameAction && samePause) {
      changes.push({ change: 'unchanged', scheduleId: desired.id, detail: desired.detail });
      continue;
    }
    if (!options.dryRun) await handle.update(() => ({ ...desired.options, state: desired.options.state ?? {} }));
    const change = !sameAction ? 'updated' : desired.paused ? 'paused' : 'resumed';
    changes.push({ change, scheduleId: desired.id, detail: `${desired.detail}${desired.paused ? ', paused (job inactive)' : ''}` });
  }

  const orphans: string[] = [];
  for await (const summary of client.schedule.list()) {
    if (!summary.scheduleId.startsWith(SCHEDULE_PREFIX) || wanted.has(summary.scheduleId)) continue;
    if (summary.memo?.[OWNER_MEMO] !== owner) continue;
    orphans.push(summary.scheduleId);
  }
  for (const id of orphans.sort()) {
    const job = id.slice(SCHEDULE_PREFIX.length);
    if (catalog.jobs.get(job)?.chain.schedule) continue;
    if (catalog.invalid.length > 0) {
      changes.push({ change: 'skipped', scheduleId: id, detail: `kept: ${catalog.invalid.length} job file(s) do not validate and one may be this job's; fix them and sync again` });
      continue;
    }
    if (!options.dryRun) {
      try {
        await client.schedule.getHandle(id).delete();
      } catch (err) {
        // Listing lags behind deletes: a schedule already gone is not reported again.
        if (err instanceof ScheduleNotFoundError) continue;
        throw err;
      }
    }
    changes.push({ change: 'deleted', scheduleId: id, detail: catalog.jobs.has(job) ? 'the job has no "schedule" any more' : 'no job of this name in the jobs directory' });
  }
  return changes;
}

/** One line per change, as `riposte schedules sync` prints them. */
export function formatChanges(changes: ScheduleChange[], dryRun = false): string[] {
  if (changes.length === 0) return ['no scheduled jobs and no riposte schedules'];
  const verb = (c: ScheduleChange['change']) => (dryRun && c !== 'unchanged' && c !== 'skipped' ? `would be ${c}` : c);
  return changes.map((c) => `${c.scheduleId}: ${verb(c.change)} (${c.detail})`);
}
