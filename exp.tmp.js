const { spawn } = require('child_process');
const { Connection, Client } = require('@temporalio/client');
const { NativeConnection, Worker } = require('@temporalio/worker');
const path = require('path');
process.chdir('/work/main');
async function main() {
  const extra = JSON.parse(process.argv[2] || '[]');
  const port = 17233 + Math.floor(Math.random()*1000);
  const p = spawn('/root/.cache/riposte/bin/temporal', ['server','start-dev','--headless','--ip','127.0.0.1','--port',String(port),'--log-level','error',...extra], {stdio:'ignore'});
  const address = `127.0.0.1:${port}`;
  for (;;) { try { const c = await Connection.connect({address}); await c.workflowService.getSystemInfo({}); await c.close(); break; } catch { await new Promise(r=>setTimeout(r,200)); } }
  const nc = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection: nc, taskQueue: 'x', workflowsPath: require.resolve('/work/main/expwf.tmp.js'), activities: { async a() { return 1; } } });
  const run = worker.run();
  const client = new Client({ connection: await Connection.connect({ address }) });
  for (let i = 0; i < 5; i++) await client.workflow.execute('w', { taskQueue: 'x', workflowId: 'w'+i });
  const t0 = Date.now();
  for (let i = 0; i < 20; i++) await client.workflow.execute(process.argv[3]||'w', { taskQueue: 'x', workflowId: 'y'+i });
  console.log(JSON.stringify(extra), 'per run ms', (Date.now()-t0)/20);
  worker.shutdown(); await run; p.kill();
  process.exit(0);
}
main();
