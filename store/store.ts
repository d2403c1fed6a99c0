// The store: incidents, indexed documents (mitre, risk, events), response-limiter claims, approvals, and what runs keep for a while.
import { MIGRATION_LOCK, openSql, type SqlDriver } from './sql';
import { ApprovalStore, approvalsDdl } from './approvals';

/** An incident as the store keeps it. */
export interface Incident {
  incident_id: string;
  index: string;
  title: string;
  severity: string;
  status: string;
  job: string;
  run_id: string;
  step_id: string;
  created_at: string;
  [field: string]: unknown;
}

/** A document of an index. */
export interface StoredDocument {
  id: string;
  index: string;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

/** What a new incident holds besides its identity. */
export interface NewIncident {
  idempotencyKey: string;
  index: string;
  job: string;
  runId: string;
  stepId: string;
  title: string;
  severity: string;
  document: Record<string, unknown>;
}

function ddl(kind: SqlDriver['kind']): string {
  const serial = kind === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';
  return `
    CREATE TABLE IF NOT EXISTS incidents (
      seq ${serial},
      idem_key TEXT NOT NULL UNIQUE,
      index_name TEXT NOT NULL,
      job TEXT NOT NULL,
      run_id TEXT NOT NULL,
      step_id TEXT NOT NULL,
      title TEXT NOT NULL,
      severity TEXT NOT NULL,
      status TEXT NOT NULL,
      doc TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS documents (
      seq ${serial},
      index_name TEXT NOT NULL,
      doc_id TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (index_name, doc_id)
    );
    CREATE TABLE IF NOT EXISTS result_rows (
      set_id TEXT NOT NULL,
      idx INTEGER NOT NULL,
      body TEXT NOT NULL,
      created_at BIGINT,
      PRIMARY KEY (set_id, idx)
    );
    CREATE TABLE IF NOT EXISTS step_outputs (
      run_id TEXT NOT NULL,
      step_id TEXT NOT NULL,
      idx INTEGER NOT NULL,
      body TEXT NOT NULL,
      created_at BIGINT,
      PRIMARY KEY (run_id, step_id, idx)
    );
    CREATE TABLE IF NOT EXISTS deliveries (
      idem_key TEXT PRIMARY KEY,
      output TEXT NOT NULL,
      delivered_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS throttles (
      throttle_key TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expires_at BIGINT NOT NULL
    );`;
}

/** The tables whose rows age by `created_at` (epoch milliseconds); stores made before retention existed lack the column. */
const AGED_TABLES = ['result_rows', 'step_outputs'] as const;

/** Indexes the purge reads by. */
const RETENTION_INDEXES = `
    CREATE INDEX IF NOT EXISTS result_rows_created_at ON result_rows (created_at);
    CREATE INDEX IF NOT EXISTS step_outputs_created_at ON step_outputs (created_at);
    CREATE INDEX IF NOT EXISTS deliveries_delivered_at ON deliveries (delivered_at);
    CREATE INDEX IF NOT EXISTS throttles_expires_at ON throttles (expires_at);`;

/** What one purge deleted, by table. */
export interface PurgeCounts {
  resultRows: number;
  stepOutputs: number;
  deliveries: number;
  throttles: number;
}

type IncidentRow = { seq: number | string; index_name: string; job: string; run_id: string; step_id: string; title: string; severity: string; status: string; doc: string; created_at: string };
type DocumentRow = { index_name: string; doc_id: string; body: string; created_at: string; updated_at: string };

/** The store over one SQL connection. */
export class Store {
  /** Approvals of approval.request steps and their links. */
  readonly approvals: ApprovalStore;

  private constructor(private readonly sql: SqlDriver) {
    this.approvals = new ApprovalStore(sql);
  }

  /** Opens the store at `url` and creates its tables if needed. */
  static async open(url: string): Promise<Store> {
    const sql = await openSql(url);
    const store = new Store(sql);
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    if (this.sql.kind === 'postgres') {
      // Two processes opening a fresh database at once must not race on CREATE TABLE (see MIGRATION_LOCK).
      const columns = AGED_TABLES.map((t) => `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS created_at BIGINT;`).join(' ');
      await this.sql.exec(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK}); ${ddl('postgres')} ${approvalsDdl()} ${columns} ${RETENTION_INDEXES}`);
      return;
    }
    await this.sql.exec(`${ddl('sqlite')} ${approvalsDdl()}`);
    for (const table of AGED_TABLES) {
      const columns = await this.sql.all<{ name: string }>(`PRAGMA table_info(${table})`);
      if (!columns.some((c) => c.name === 'created_at')) await this.sql.exec(`ALTER TABLE ${table} ADD COLUMN created_at BIGINT`);
    }
    await this.sql.exec(RETENTION_INDEXES);
  }

  /** Which database is behind the store. */
  get kind(): SqlDriver['kind'] {
    return this.sql.kind;
  }

  /** Creates an incident once per idempotency key; a second call returns the first incident. */
  async createIncident(input: NewIncident): Promise<{ incident: Incident; created: boolean }> {
    const now = new Date().toISOString();
    const inserted = await this.sql.run(
      `INSERT INTO incidents (idem_key, index_name, job, run_id, step_id, title, severity, status, doc, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT (idem_key) DO NOTHING`,
      [input.idempotencyKey, input.index, input.job, input.runId, input.stepId, input.title, input.severity, JSON.stringify(input.document), now],
    );
    const [row] = await this.sql.all<IncidentRow>('SELECT * FROM incidents WHERE idem_key = ?', [input.idempotencyKey]);
    return { incident: toIncident(row), created: inserted > 0 };
  }

  /** Incidents, newest first. */
  async listIncidents(options: { limit?: number; job?: string } = {}): Promise<Incident[]> {
    const rows = options.job
      ? await this.sql.all<IncidentRow>('SELECT * FROM incidents WHERE job = ? ORDER BY seq DESC LIMIT ?', [options.job, options.limit ?? 100])
      : await this.sql.all<IncidentRow>('SELECT * FROM incidents ORDER BY seq DESC LIMIT ?', [options.limit ?? 100]);
    return rows.map(toIncident);
  }

  /** Writes documents: a new id adds one, a known id replaces its body (an upsert). */
  async putDocuments(index: string, documents: { id: string; body: Record<string, unknown> }[]): Promise<string[]> {
    const now = new Date().toISOString();
    for (const doc of documents) {
      await this.sql.run(
        `INSERT INTO documents (index_name, doc_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (index_name, doc_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
        [index, doc.id, JSON.stringify(doc.body), now, now],
      );
    }
    return documents.map((d) => d.id);
  }

  /**
   * Merges fields into a document: each top-level field given replaces the stored one, the fields
   * not given stay; an id not seen yet adds the document. One statement, so merges into the same
   * document from concurrent executions never lose each other's fields.
   */
  async mergeDocument(index: string, id: string, fields: Record<string, unknown>): Promise<string> {
    const now = new Date().toISOString();
    const merged = this.sql.kind === 'postgres' ? '(documents.body::jsonb || excluded.body::jsonb)::text' : 'riposte_merge_json(documents.body, excluded.body)';
    await this.sql.run(
      `INSERT INTO documents (index_name, doc_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (index_name, doc_id) DO UPDATE SET body = ${merged}, updated_at = excluded.updated_at`,
      [index, id, JSON.stringify(fields), now, now],
    );
    return id;
  }

  /** Documents of an index, newest first. */
  async listDocuments(index: string, options: { limit?: number } = {}): Promise<StoredDocument[]> {
    const rows = await this.sql.all<DocumentRow>('SELECT * FROM documents WHERE index_name = ? ORDER BY seq DESC LIMIT ?', [index, options.limit ?? 100]);
    return rows.map((r) => ({ ...(JSON.parse(r.body) as Record<string, unknown>), id: r.doc_id, index: r.index_name, created_at: r.created_at, updated_at: r.updated_at }));
  }

  /** One document of an index by id, or undefined. */
  async getDocument(index: string, id: string): Promise<StoredDocument | undefined> {
    const [r] = await this.sql.all<DocumentRow>('SELECT * FROM documents WHERE index_name = ? AND doc_id = ?', [index, id]);
    return r ? { ...(JSON.parse(r.body) as Record<string, unknown>), id: r.doc_id, index: r.index_name, created_at: r.created_at, updated_at: r.updated_at } : undefined;
  }

  /**
   * Claims `key` for `holder` until now + window, unless another holder's claim is still live.
   * The same holder may claim again (a retried activity), so the claim survives retries and restarts.
   */
  async acquireThrottle(key: string, holder: string, windowMs: number, now = Date.now()): Promise<{ acquired: boolean; until: number }> {
    await this.sql.run(
      `INSERT INTO throttles (throttle_key, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (throttle_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE throttles.expires_at <= ? AND throttles.holder <> excluded.holder`,
      [key, holder, now + windowMs, now],
    );
    const [row] = await this.sql.all<{ holder: string; expires_at: number | string }>('SELECT holder, expires_at FROM throttles WHERE throttle_key = ?', [key]);
    return { acquired: row.holder === holder, until: Number(row.expires_at) };
  }

  /** Keeps rows under `(key, idx)` in `table`, in multi-row batches; writing the same rows again changes nothing. */
  private async putRows(table: 'result_rows' | 'step_outputs', key: string[], offset: number, rows: unknown[]): Promise<void> {
    const keyColumns = table === 'result_rows' ? ['set_id'] : ['run_id', 'step_id'];
    const columns = [...keyColumns, 'idx', 'body', 'created_at'];
    const now = Date.now();
    const batch = 400;
    for (let start = 0; start < rows.length; start += batch) {
      const slice = rows.slice(start, start + batch);
      const values = slice.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
      const params = slice.flatMap((row, i) => [...key, offset + start + i, JSON.stringify(row ?? null), now]);
      await this.sql.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values} ON CONFLICT (${[...keyColumns, 'idx'].join(', ')}) DO UPDATE SET body = excluded.body`, params);
    }
  }

  /** Stores a result set that is too large to ride in a workflow payload. */
  async saveResultSet(id: string, rows: unknown[]): Promise<void> {
    await this.putRows('result_rows', [id], 0, rows);
  }

  /** Reads results `offset`.. of a stored set: at most `limit`, and stops once `maxBytes` of JSON are read. */
  async loadResultSet(id: string, offset: number, limit: number, maxBytes = 1_048_576): Promise<Record<string, unknown>[]> {
    const rows = await this.sql.all<{ body: string }>('SELECT body FROM result_rows WHERE set_id = ? AND idx >= ? ORDER BY idx LIMIT ?', [id, offset, limit]);
    const out: Record<string, unknown>[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (out.length > 0 && bytes + row.body.length > maxBytes) break;
      bytes += row.body.length;
      out.push(JSON.parse(row.body) as Record<string, unknown>);
    }
    return out;
  }

  /** Keeps an `each` step's outputs of a large fan-out. */
  async saveStepOutputs(runId: string, stepId: string, offset: number, outputs: unknown[]): Promise<void> {
    await this.putRows('step_outputs', [runId, stepId], offset, outputs);
  }

  /** Reads kept outputs `offset`.. in result order. */
  async loadStepOutputs(runId: string, stepId: string, offset = 0, limit = 1_000_000): Promise<unknown[]> {
    const rows = await this.sql.all<{ body: string }>('SELECT body FROM step_outputs WHERE run_id = ? AND step_id = ? AND idx >= ? ORDER BY idx LIMIT ?', [runId, stepId, offset, limit]);
    return rows.map((r) => JSON.parse(r.body) as unknown);
  }

  /** The recorded output of a delivery already made under `key`, if any. */
  async findDelivery(key: string): Promise<unknown | undefined> {
    const [row] = await this.sql.all<{ output: string }>('SELECT output FROM deliveries WHERE idem_key = ?', [key]);
    return row ? (JSON.parse(row.output) as unknown) : undefined;
  }

  /** Records that a delivery under `key` was made, so a retry does not make it again. */
  async recordDelivery(key: string, output: unknown): Promise<void> {
    await this.sql.run('INSERT INTO deliveries (idem_key, output, delivered_at) VALUES (?, ?, ?) ON CONFLICT (idem_key) DO NOTHING', [key, JSON.stringify(output), new Date().toISOString()]);
  }

  /**
   * Deletes what runs keep only for a while and that is older than `cutoff` (epoch milliseconds):
   * result sets and step outputs written before it, delivery records made before it, and throttle
   * claims whose window ended before it. Incidents and index documents stay until deleted. Rows
   * written before retention existed carry no time: they start ageing at their first purge.
   */
  async purgeBefore(cutoff: number, now = Date.now()): Promise<PurgeCounts> {
    for (const table of AGED_TABLES) await this.sql.run(`UPDATE ${table} SET created_at = ? WHERE created_at IS NULL`, [now]);
    return {
      resultRows: await this.sql.run('DELETE FROM result_rows WHERE created_at < ?', [cutoff]),
      stepOutputs: await this.sql.run('DELETE FROM step_outputs WHERE created_at < ?', [cutoff]),
      deliveries: await this.sql.run('DELETE FROM deliveries WHERE delivered_at < ?', [new Date(cutoff).toISOString()]),
      throttles: await this.sql.run('DELETE FROM throttles WHERE expires_at < ?', [cutoff]),
    };
  }

  /** Answers when the database does (readiness checks). */
  async ping(): Promise<void> {
    await this.sql.all('SELECT 1 AS ok');
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.sql.close();
  }
}

function toIncident(row: IncidentRow): Incident {
  return {
    ...(JSON.parse(row.doc) as Record<string, unknown>),
    incident_id: `INC-${row.seq}`,
    index: row.index_name,
    title: row.title,
    severity: row.severity,
    status: row.status,
    job: row.job,
    run_id: row.run_id,
    step_id: row.step_id,
    created_at: row.created_at,
  };
}
