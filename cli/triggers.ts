// The trigger commands: fire an event, sensor heartbeats and status, the rule guard's reports and changes.
import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { EVENT_TYPES, type FireReport, type RuleOperation, type RuleState, type SensorState } from '../dsl';
import { Store } from '../store/store';
import { loadConfig, type Config } from '../config/config';
import { connectClient, readRun } from '../control/client';
import { EventValidationError, JobNotSubscribedError, assertSubscribed, fireEvent, parseEvent, parseJsonObject } from '../control/events';
import { loadJobs } from '../config/jobs';
import { changeRule, reportRuleSignals, RuleGuardInputError, ruleStatus } from '../control/rule-guard';
import { listSensors, recordHeartbeat, SensorIdError, sensorStatus } from '../control/sensors';
import { temporalEnvironment } from './environment';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** A mistake in the command's input, reported as one message with exit code 1. */
class TriggerInputError extends Error {}

/** Runs a command; input errors print their message and exit 1. */
async function handled(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (err instanceof TriggerInputError || err instanceof EventValidationError || err instanceof JobNotSubscribedError || err instanceof SensorIdError || err instanceof RuleGuardInputError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

/** Runs a command against Temporal (TEMPORAL_ADDRESS, a running `riposte dev`, or an embedded server). */
async function withTemporal(work: (client: Client, cfg: Config, env: { uiUrl?: string; embedded: boolean }) => Promise<void>, cfg: Config = loadConfig()): Promise<void> {
  await handled(async () => {
    const env = await temporalEnvironment(cfg, { log });
    try {
      const client = await connectClient(cfg, env.address);
      try {
        await work(client, cfg, env);
      } finally {
        await client.connection.close();
      }
    } finally {
      await env.close();
    }
  });
}

function readFile(file: string): string {
  try {
    return file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TriggerInputError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

interface FireFlags {
  insight?: string;
  sensor?: string;
  rule?: string;
  name?: string;
  reason?: string;
  id?: string;
  job?: string;
  json?: boolean;
}

/** Builds the event from the command line: the flag that fits the event type must be given. */
function eventFromFlags(type: string, flags: FireFlags): Record<string, unknown> {
  if (!(EVENT_TYPES as readonly string[]).includes(type)) throw new TriggerInputError(`unknown event "${type}"; events: ${EVENT_TYPES.join(', ')}`);
  const id = flags.id ? { id: flags.id } : {};
  if (type.startsWith('insight.')) {
    if (!flags.insight) throw new TriggerInputError(`${type} needs the Insight: --insight FILE (the Insight JSON, bare or in its { data, errors } envelope, or - for stdin)`);
    return { type, ...id, insight: parseJsonObject(readFile(flags.insight), flags.insight) };
  }
  if (type === 'sensor.offline') {
    if (!flags.sensor) throw new TriggerInputError('sensor.offline needs the sensor: --sensor ID');
    return { type, ...id, sensor: { id: flags.sensor, ...(flags.name ? { name: flags.name } : {}), offlineAt: new Date().toISOString() } };
  }
  if (!flags.rule) throw new TriggerInputError('rule.disabled needs the rule: --rule ID --name NAME --reason TEXT');
  return { type: 'rule.disabled', ...id, rule: { id: flags.rule, name: flags.name ?? flags.rule, reason: flags.reason ?? 'disabled automatically', disabledAt: new Date().toISOString() } };
}

function printFire(report: FireReport): void {
  if (report.runs.length === 0) console.log(`${report.event} ${report.eventId}: no active job subscribes to it`);
  for (const r of report.runs) console.log(`${r.job}\t${r.runId}\t${r.started ? 'started' : 'already started by this event'}${r.url ? `\t${r.url}` : ''}`);
  for (const s of report.skipped) console.log(`${s.job}\tskipped: ${s.reason}`);
}

function printSensor(s: SensorState): void {
  const last = s.outages.at(-1);
  const since = s.status === 'offline' && last ? ` since ${last.offlineAt}` : '';
  console.log(`${s.id}\t${s.status}${since}\tlast heartbeat ${s.lastHeartbeat ?? 'never'}\twindow ${s.windowMs / 1000}s\t${s.outages.length} outage(s)`);
}

function printRuleAs(r: RuleState, json: boolean | undefined): void {
  if (json) console.log(JSON.stringify(r, null, 2));
  else printRule(r);
}

function printRule(r: RuleState): void {
  const status = r.enabled ? 'enabled' : `disabled (${r.disabledBy === 'guard' ? 'automatically' : 'by hand'}: ${r.reason})`;
  console.log(`${r.id}\t${r.name}\t${status}${r.prototype ? '\tprototype' : ''}\tsignals: ${r.signals.hour}/h (limit ${r.limits.hour}), ${r.signals.day}/24h (limit ${r.limits.day})`);
}

/** Adds `fire`, `sensor` and `rule` to the command line. */
export function addTriggerCommands(program: Command): void {
  program
    .command('fire')
    .description(`fire an event (${EVENT_TYPES.join(', ')}): starts every active job subscribed to it, once per event`)
    .argument('<event>')
    .option('--insight <file>', 'the Insight JSON as Cloud SIEM sends it, bare or as the API\'s { "data": <Insight>, "errors": [] } (insight.* events), or - for stdin')
    .option('--sensor <id>', 'the sensor (sensor.offline)')
    .option('--rule <id>', 'the rule (rule.disabled)')
    .option('--name <name>', 'the sensor or rule name')
    .option('--reason <text>', 'why the rule was disabled (rule.disabled)')
    .option('--id <id>', 'the event id; firing one id again starts nothing new')
    .option('--job <name>', 'only this job (an on-demand action)')
    .option('--json', 'print the runs as JSON')
    .action(async (type: string, flags: FireFlags) => {
      await handled(async () => {
        // The event and the jobs are checked before any server is contacted.
        const cfg = loadConfig();
        const event = parseEvent(eventFromFlags(type, flags));
        const jobs = loadJobs(cfg);
        // A job file that does not validate cannot start; say so rather than skip it silently.
        for (const bad of jobs.invalid) for (const p of bad.problems) log(`${bad.file}: ${p.path || '(root)'}: ${p.message}`);
        if (flags.job !== undefined && !jobs.jobs.has(flags.job)) throw new TriggerInputError(`--job ${flags.job}: no such job in ${jobs.dir}; jobs: ${[...jobs.jobs.keys()].join(', ') || 'none'}`);
        if (flags.job !== undefined) assertSubscribed(jobs, flags.job, event.type);
        await withTemporal(async (client, _cfg, env) => {
          // A large Insight rides by reference in the store the workers share.
          const store = await Store.open(cfg.storeUrl);
          let report: FireReport;
          try {
            report = await fireEvent(client, cfg, event, { uiUrl: env.uiUrl, jobs, store, ...(flags.job ? { job: flags.job } : {}) });
          } finally {
            await store.close();
          }
          // An embedded server lives only as long as this process: wait for the runs it started.
          if (env.embedded) for (const r of report.runs) await readRun(client.workflow.getHandle(r.runId), { wait: true });
          if (flags.json) console.log(JSON.stringify(report, null, 2));
          else printFire(report);
        }, cfg);
      });
    });

  const sensor = program.command('sensor').description('sensor heartbeats and outages');
  sensor
    .command('heartbeat')
    .description("record a sensor's heartbeat; a sensor silent for its window (sensors in riposte.config.json) fires sensor.offline")
    .argument('<id>')
    .option('--name <name>', 'the sensor name')
    .action(async (id: string, flags: { name?: string }) => {
      await withTemporal(async (client, cfg) => {
        await recordHeartbeat(client, cfg, id, flags.name ? { name: flags.name } : {});
        log(`heartbeat of sensor ${id} recorded`);
      });
    });
  sensor
    .command('status')
    .argument('<id>')
    .option('--json', 'print as JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      await withTemporal(async (client) => {
        const state = await sensorStatus(client, id);
        if (!state) throw new TriggerInputError(`sensor ${id} never sent a heartbeat`);
        if (flags.json) console.log(JSON.stringify(state, null, 2));
        else printSensor(state);
      });
    });
  sensor
    .command('list')
    .option('--json', 'print a JSON array')
    .action(async (flags: { json?: boolean }) => {
      await withTemporal(async (client, cfg) => {
        const states = await listSensors(client, cfg.temporal.taskQueue);
        if (flags.json) console.log(JSON.stringify(states, null, 2));
        else if (states.length === 0) console.log('no sensors');
        else states.forEach(printSensor);
      });
    });

  const rule = program.command('rule').description('the rule guard: signal counts, enabling and disabling');
  rule
    .command('signals')
    .description('report that a rule produced COUNT signals; above the limits the rule is disabled and rule.disabled fires')
    .argument('<rule>')
    .argument('<count>')
    .option('--name <name>', 'the rule name')
    .option('--json', "print the rule's state as JSON")
    .action(async (id: string, count: string, flags: { name?: string; json?: boolean }) => {
      if (!/^\d+$/.test(count)) {
        process.stderr.write(`count "${count}": give a whole number of signals\n`);
        process.exitCode = 1;
        return;
      }
      await withTemporal(async (client, cfg) => {
        await reportRuleSignals(client, cfg, id, Number(count), flags.name ? { name: flags.name } : {});
        printRuleAs(await ruleStatus(client, cfg, id), flags.json);
      });
    });
  const change = (operation: RuleOperation, description: string, name = operation) =>
    rule
      .command(name)
      .description(`${description}; fires nothing`)
      .argument('<rule>')
      .option('--json', "print the rule's state as JSON")
      .action(async (id: string, flags: { json?: boolean }) => {
        await withTemporal(async (client, cfg) => {
          await changeRule(client, cfg, id, operation);
          printRuleAs(await ruleStatus(client, cfg, id), flags.json);
        });
      });
  change('enable', 'enable a rule (its signal windows start empty)');
  change('disable', 'disable a rule by hand');
  change('prototype', 'move a rule into prototype mode');
  change('production', 'move a rule out of prototype mode');
  rule
    .command('status')
    .argument('<rule>')
    .option('--json', 'print as JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      await withTemporal(async (client, cfg) => {
        const state = await ruleStatus(client, cfg, id);
        if (flags.json) console.log(JSON.stringify(state, null, 2));
        else printRule(state);
      });
    });
}
