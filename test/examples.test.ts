// Every example chain validates against the example configuration, and the examples directory loads as a jobs directory.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateChainText } from '../dsl';
import { loadConfig } from '../config/config';
import { installationContext, loadJobs } from '../config/jobs';

const ROOT = path.join(__dirname, '..');
const dir = path.join(ROOT, 'examples');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.results.json'));
const config = loadConfig({ RIPOSTE_CONFIG: path.join(dir, 'config', 'riposte.config.json') }, ROOT);

describe('examples', () => {
  it.each(files)('%s is a valid chain for the example configuration', (file) => {
    const validation = validateChainText(fs.readFileSync(path.join(dir, file), 'utf8'), installationContext(config));
    expect(validation.problems).toEqual([]);
  });

  it('cover every Smart Monitor action', () => {
    const actions = new Set(files.flatMap((f) => (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { steps: { action: string }[] }).steps.map((s) => s.action)));
    for (const action of ['email.send', 'incident.create', 'events.index', 'db.insert', 'events.log', 'mitre.tag', 'mitre.risk', 'risk.assign', 'job.run', 'webhook.send']) expect(actions).toContain(action);
  });

  it('load as a jobs directory in which job.run finds every job it names', () => {
    const catalog = loadJobs(config);
    expect(catalog.invalid).toEqual([]);
    expect(catalog.jobs.size).toBe(files.length);
  });
});
