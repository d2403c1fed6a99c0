// `npm start`: the example chain end to end on the embedded server, with a stand-in SOC webhook receiver.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { connectionTypes, type Config } from '../config/config';
import { validateChainText } from '../dsl';
import { connectClient, readRun, runUrl, startRun } from '../control/client';
import { Store } from '../store/store';
import { temporalEnvironment } from './environment';
import { printReport } from './output';

/** Runs examples/ssh-bruteforce.json on examples/ssh-bruteforce.results.json and prints what happened. */
export async function runExample(config: Config, examplesDir: string, io: { log: (line: string) => void; keepUi: boolean; waitForSignal: () => Promise<void> }): Promise<void> {
  const chainFile = path.join(examplesDir, 'ssh-bruteforce.json');
  const validation = validateChainText(fs.readFileSync(chainFile, 'utf8'), { connections: connectionTypes(config) });
  if (!validation.ok) throw new Error(validation.problems.map((p) => `${chainFile}: ${p.path}: ${p.message}`).join('\n'));
  const chain = validation.chain;
  const results = JSON.parse(fs.readFileSync(path.join(examplesDir, 'ssh-bruteforce.results.json'), 'utf8')) as Record<string, unknown>[];

  const received: string[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookPort = (receiver.address() as { port: number }).port;

  // The receiver is on loopback, which the network policy refuses unless allowed: this run's embedded
  // worker allows exactly that address, nothing wider.
  if (!config.network.allow.includes('127.0.0.1')) config.network = { ...config.network, allow: [...config.network.allow, '127.0.0.1'] };
  const env = await temporalEnvironment(config, { log: io.log });
  try {
    const client = await connectClient(config, env.address);
    const handle = await startRun(client, { chain, results, params: { hookPort }, taskQueue: config.temporal.taskQueue, globals: config.globals, uiUrl: env.uiUrl });
    io.log(`Started ${chain.name} with ${results.length} results...`);
    const report = { ...(await readRun(handle, { wait: true })), url: runUrl(env.uiUrl, config.temporal.namespace, handle.workflowId, handle.firstExecutionRunId) };
    printReport(report, chain);
    const store = await Store.open(config.storeUrl);
    const docs = (await store.listDocuments('mitre', { limit: 200 })).filter((d) => d.run_id === handle.workflowId);
    await store.close();
    console.log('\nMITRE documents of this run (mitre index):');
    for (const d of docs) console.log(`  ${String(d.technique).padEnd(10)} incident_id=${d.incident_id}  src_ip=${(d.event as { src_ip?: string })?.src_ip}`);
    console.log(`\nThe SOC webhook receiver on 127.0.0.1:${hookPort} got:`);
    for (const line of received) console.log(`  ${line}`);
    await client.connection.close();
    if (report.status !== 'completed') process.exitCode = 1;
    if (io.keepUi && env.embedded) {
      console.log(`\nOpen ${report.url ?? env.uiUrl} to inspect the run. Ctrl-C to stop.`);
      await io.waitForSignal();
    }
  } finally {
    receiver.close();
    await env.close();
  }
}
