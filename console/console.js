// The chain console's script: the token, the editor with its problem gutter, the dry-run preview, runs and approvals. Data is only ever set as text.
const TOKEN_KEY = 'riposte.console.token';
const $ = (id) => document.getElementById(id);

/** An element with text content (never HTML) and optional attributes. */
function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function status(text) {
  $('status').textContent = text;
}

/** A fetch to the API with the tab's token; the answer's JSON, or an Error with the API's message. */
async function api(method, url, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new Error('give an API token with the console scope first');
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!response.ok && !(response.status === 400 && data && data.problems)) throw new Error(`${response.status}: ${(data && data.error) || response.statusText}`);
  return { status: response.status, data };
}

// ---- Author: editor, gutter, problems, graph ----

let problemLines = new Map();

function renderGutter() {
  const lines = $('chain').value.split('\n').length;
  const gutter = $('gutter');
  gutter.replaceChildren();
  for (let i = 1; i <= lines; i++) {
    const messages = problemLines.get(i);
    const line = el('div', i, { 'data-line': String(i) });
    if (messages) {
      line.className = 'error';
      line.title = messages.join('\n');
    }
    gutter.append(line);
  }
  gutter.scrollTop = $('chain').scrollTop;
}

function showProblems(problems) {
  problemLines = new Map();
  const list = $('problems');
  list.replaceChildren();
  for (const p of problems) {
    problemLines.set(p.line, [...(problemLines.get(p.line) ?? []), `${p.path || '(root)'}: ${p.message}`]);
    const item = el('li', `line ${p.line}, column ${p.column}: ${p.path || '(root)'}: ${p.message}`, { 'data-line': String(p.line), 'data-column': String(p.column), 'data-path': p.path });
    item.addEventListener('click', () => goTo(p.line, p.column));
    list.append(item);
  }
  renderGutter();
}

/** Puts the caret at a line and column of the editor. */
function goTo(line, column) {
  const area = $('chain');
  const lines = area.value.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  offset += Math.max(0, column - 1);
  area.focus();
  area.setSelectionRange(offset, offset);
}

let validateTimer;
let validateSeq = 0;
async function validateNow() {
  const seq = ++validateSeq;
  const validity = $('validity');
  try {
    const { data } = await api('POST', '/v1/console/validate', { text: $('chain').value });
    if (seq !== validateSeq) return;
    showProblems(data.problems);
    validity.textContent = data.ok ? 'valid' : `${data.problems.length} problem${data.problems.length === 1 ? '' : 's'}`;
    validity.className = data.ok ? 'ok' : 'bad';
    // An invalid chain keeps the graph of its last valid text, marked as such.
    if (data.ok) $('graph').textContent = data.graph;
    $('graph-note').textContent = data.ok ? '' : $('graph').textContent ? 'the last valid version; fix the problems to update it' : 'the graph shows once the chain is valid';
  } catch (err) {
    status(err.message);
  }
}

function scheduleValidate() {
  renderGutter();
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validateNow, 300);
}

async function loadCatalogue() {
  const { data } = await api('GET', '/v1/console/jobs');
  const select = $('open');
  select.replaceChildren(el('option', 'a job or an example…', { value: '' }));
  const jobs = el('optgroup', null, { label: 'jobs directory' });
  for (const j of data.jobs) jobs.append(el('option', j.name, { value: `job:${j.name}` }));
  const examples = el('optgroup', null, { label: 'examples' });
  for (const name of data.examples) examples.append(el('option', name, { value: `example:${name}` }));
  select.append(jobs, examples);
}

async function openChain(value) {
  if (!value) return;
  const [kind, ...rest] = value.split(':');
  const name = rest.join(':');
  const { data } = await api('GET', kind === 'job' ? `/v1/console/jobs/${encodeURIComponent(name)}` : `/v1/console/examples/${encodeURIComponent(name)}`);
  $('chain').value = data.text;
  if (data.results) $('input').value = data.results;
  scheduleValidate();
}

// ---- Preview: the dry run ----

/** A value of the dry run as nested lists; strings in <pre> so MIME text and CSV keep their lines. */
function renderValue(value) {
  if (typeof value === 'string') return value.includes('\n') || value.length > 100 ? el('pre', value) : el('code', value, { class: 'string' });
  if (Array.isArray(value) || (value && typeof value === 'object')) {
    const list = el('dl', null, { class: 'value' });
    for (const [k, v] of Object.entries(value)) {
      const dd = el('dd');
      dd.append(renderValue(v));
      list.append(el('dt', k), dd);
    }
    return list;
  }
  return el('code', JSON.stringify(value));
}

function showPreview(data) {
  const out = $('preview');
  out.replaceChildren();
  if (data.problems) {
    out.append(el('h3', 'Not previewed: fix these first'));
    const list = el('ol');
    for (const p of data.problems) list.append(el('li', `${p.line ? `line ${p.line}: ` : ''}${p.path || '(root)'}: ${p.message}`));
    out.append(list);
    return;
  }
  for (const [id, step] of Object.entries(data.steps)) {
    const block = el('div', null, { class: 'step', 'data-step': id });
    block.append(el('h3', `${id} (${step.action}${step.connection ? ` via ${step.connection}` : ''}, ${step.mode})`));
    step.executions.forEach((e, i) => {
      const exec = el('div', null, { class: 'execution' });
      const label = step.mode === 'each' ? `result ${i}: ` : '';
      exec.append(el('p', `${label}${e.status === 'skipped' ? 'skipped (when is false)' : e.status}`, { class: `status-${e.status}` }));
      if (e.error) exec.append(el('pre', e.error));
      if (e.missingTokens && e.missingTokens.length) exec.append(el('p', `missing tokens: ${e.missingTokens.join(', ')}`));
      if (e.sends !== undefined) exec.append(renderValue(e.sends));
      block.append(exec);
    });
    out.append(block);
  }
}

async function preview() {
  let input;
  try {
    input = JSON.parse($('input').value || 'null');
  } catch (err) {
    showPreview({ problems: [{ path: 'input', message: `not JSON: ${err.message}` }] });
    return;
  }
  const kind = document.querySelector('input[name="input-kind"]:checked').value;
  const body = { text: $('chain').value, ...(kind === 'insight' ? { insight: input } : { results: input }) };
  const { data } = await api('POST', '/v1/console/preview', body);
  showPreview(data);
}

// ---- Runs and approvals ----

function safeLink(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

async function loadRuns() {
  const { data } = await api('GET', '/v1/console/runs');
  const body = $('runs').querySelector('tbody');
  body.replaceChildren();
  for (const r of data) {
    const row = el('tr', null, { 'data-run': r.runId });
    const link = el('td');
    const href = r.url ? safeLink(r.url) : undefined;
    if (href) link.append(el('a', 'open', { href, rel: 'noreferrer' }));
    else link.textContent = '-';
    row.append(el('td', r.runId), el('td', r.job ?? '-'), el('td', r.status), el('td', r.startedAt), link);
    body.append(row);
  }
}

async function loadApprovals() {
  const list = $('approvals');
  list.replaceChildren();
  let data;
  try {
    ({ data } = await api('GET', '/v1/approvals?status=pending'));
  } catch (err) {
    list.append(el('li', `approvals not shown: ${err.message}`));
    return;
  }
  if (data.length === 0) list.append(el('li', 'none pending'));
  for (const a of data) {
    const item = el('li', null, { 'data-run': a.runId, 'data-step': a.stepId });
    item.append(el('div', `${a.job} · run ${a.runId} · step ${a.stepId}${a.index !== null ? ` (result ${a.index})` : ''} · expires ${a.expiresAt}`));
    item.append(el('pre', a.message));
    for (const decision of ['approve', 'reject']) {
      const button = el('button', decision, { type: 'button', class: decision });
      button.addEventListener('click', async () => {
        try {
          await api('POST', '/v1/approvals/decisions', { run: a.runId, step: a.stepId, ...(a.index !== null ? { index: a.index } : {}), decision });
          status(`${decision === 'approve' ? 'approved' : 'rejected'} ${a.stepId} of ${a.runId}`);
        } catch (err) {
          status(err.message);
        }
        await loadApprovals();
      });
      item.append(button);
    }
    list.append(item);
  }
}

// ---- Wiring ----

async function start() {
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    status('Give an API token with the console scope (riposte.config.json api.tokens).');
    return;
  }
  try {
    await loadCatalogue();
    status('');
    await Promise.all([validateNow(), loadRuns(), loadApprovals()]);
  } catch (err) {
    status(err.message);
  }
}

function guard(work) {
  return (...args) => work(...args).catch((err) => status(err.message));
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  $('token').value = '';
  start();
});
$('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  status('token forgotten');
});
$('chain').addEventListener('input', scheduleValidate);
$('chain').addEventListener('scroll', () => {
  $('gutter').scrollTop = $('chain').scrollTop;
});
$('open').addEventListener('change', guard((event) => openChain(event.target.value)));
$('preview-run').addEventListener('click', guard(preview));
$('runs-refresh').addEventListener('click', guard(() => Promise.all([loadRuns(), loadApprovals()])));
$('input-file').addEventListener('change', guard(async (event) => {
  const file = event.target.files[0];
  if (file) $('input').value = await file.text();
}));
renderGutter();
start();
