// The approvals of approval.request steps and their links, kept in the store: links only as SHA-256 hashes.
import crypto from 'node:crypto';
import type { SqlDriver } from './sql';

/** The SHA-256 of a link token, hex: all the store ever keeps of it. */
export function linkHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** How an approval stands. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'timed_out' | 'cancelled' | 'failed' | 'closed';

/** An approval as the store keeps it. */
export interface StoredApproval {
  key: string;
  runId: string;
  /** The workflow that waits for the decision: the run, or a fan-out child of it. */
  workflowId: string;
  job: string;
  stepId: string;
  index: number | null;
  message: string;
  approvers: string[];
  next: string[];
  runUrl?: string;
  status: ApprovalStatus;
  createdAt: string;
  expiresAt: string;
  decidedBy?: string;
  decidedVia?: string;
  decidedAt?: string;
  comment?: string;
}

/** A link's row, with the approval it decides. */
export interface StoredLink {
  decision: 'approved' | 'rejected';
  expiresAt: string;
  usedAt?: string;
  approval: StoredApproval;
}

/** The tables, on SQLite and PostgreSQL alike. */
export function approvalsDdl(): string {
  return `
    CREATE TABLE IF NOT EXISTS approvals (
      approval_key TEXT PRIMARY KEY,
      run_id TEXT NOT NULL,
      workflow_id TEXT NOT NULL,
      job TEXT NOT NULL,
      step_id TEXT NOT NULL,
      result_index INTEGER,
      message TEXT NOT NULL,
      approvers TEXT NOT NULL,
      next_steps TEXT NOT NULL,
      run_url TEXT,
      status TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      decided_by TEXT,
      decided_via TEXT,
      decided_at TEXT,
      comment TEXT
    );
    CREATE INDEX IF NOT EXISTS approvals_by_status ON approvals (status, created_at);
    CREATE INDEX IF NOT EXISTS approvals_by_run ON approvals (run_id);
    CREATE TABLE IF NOT EXISTS approval_links (
      token_hash TEXT PRIMARY KEY,
      approval_key TEXT NOT NULL,
      decision TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      used_at TEXT,
      created_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS approval_links_by_approval ON approval_links (approval_key);`;
}

type ApprovalRow = {
  approval_key: string;
  run_id: string;
  workflow_id: string;
  job: string;
  step_id: string;
  result_index: number | string | null;
  message: string;
  approvers: string;
  next_steps: string;
  run_url: string | null;
  status: ApprovalStatus;
  created_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_via: string | null;
  decided_at: string | null;
  comment: string | null;
};

/** Text as both databases keep it: PostgreSQL refuses NUL in TEXT, so a NUL from a log field becomes U+FFFD, as a browser would show it. */
function text(value: string): string;
function text(value: string | null | undefined): string | null;
function text(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : value.replace(/\u0000/g, '\uFFFD');
}

function toApproval(r: ApprovalRow): StoredApproval {
  return {
    key: r.approval_key,
    runId: r.run_id,
    workflowId: r.workflow_id,
    job: r.job,
    stepId: r.step_id,
    index: r.result_index === null ? null : Number(r.result_index),
    message: r.message,
    approvers: JSON.parse(r.approvers) as string[],
    next: JSON.parse(r.next_steps) as string[],
    ...(r.run_url ? { runUrl: r.run_url } : {}),
    status: r.status,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    ...(r.decided_by !== null ? { decidedBy: r.decided_by } : {}),
    ...(r.decided_via !== null ? { decidedVia: r.decided_via } : {}),
    ...(r.decided_at !== null ? { decidedAt: r.decided_at } : {}),
    ...(r.comment !== null ? { comment: r.comment } : {}),
  };
}

/** What opening an approval records. */
export type NewApproval = Omit<StoredApproval, 'status' | 'createdAt' | 'decidedBy' | 'decidedVia' | 'decidedAt' | 'comment'>;

/** How an approval ended. */
export interface ApprovalClosing {
  status: Exclude<ApprovalStatus, 'pending'>;
  by?: string | null;
  via?: string;
  at: string;
  comment?: string | null;
}

/** The approvals part of the store. */
export class ApprovalStore {
  constructor(private readonly sql: SqlDriver) {}

  /** Records an approval once per key; a retried opening finds the first record and returns it. */
  async open(approval: NewApproval, now = new Date()): Promise<StoredApproval> {
    await this.sql.run(
      `INSERT INTO approvals (approval_key, run_id, workflow_id, job, step_id, result_index, message, approvers, next_steps, run_url, status, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (approval_key) DO NOTHING`,
      [approval.key, approval.runId, approval.workflowId, approval.job, approval.stepId, approval.index, text(approval.message), text(JSON.stringify(approval.approvers)), text(JSON.stringify(approval.next)), approval.runUrl ?? null, now.toISOString(), approval.expiresAt],
    );
    return (await this.get(approval.key))!;
  }

  /** One approval by key. */
  async get(key: string): Promise<StoredApproval | undefined> {
    const [row] = await this.sql.all<ApprovalRow>('SELECT * FROM approvals WHERE approval_key = ?', [key]);
    return row ? toApproval(row) : undefined;
  }

  /** Keeps links (their hashes only) for a pending approval; they expire with it. */
  async addLinks(key: string, links: { hash: string; decision: 'approved' | 'rejected' }[], expiresAt: string, now = new Date()): Promise<void> {
    for (const link of links) {
      await this.sql.run('INSERT INTO approval_links (token_hash, approval_key, decision, expires_at, created_at) VALUES (?, ?, ?, ?, ?)', [link.hash, key, link.decision, expiresAt, now.toISOString()]);
    }
  }

  /** The link with this hash and its approval, or undefined for a hash no link has. */
  async findLink(hash: string): Promise<StoredLink | undefined> {
    const [link] = await this.sql.all<{ approval_key: string; decision: 'approved' | 'rejected'; expires_at: string; used_at: string | null }>('SELECT approval_key, decision, expires_at, used_at FROM approval_links WHERE token_hash = ?', [hash]);
    if (!link) return undefined;
    const approval = await this.get(link.approval_key);
    if (!approval) return undefined;
    return { decision: link.decision, expiresAt: link.expires_at, ...(link.used_at ? { usedAt: link.used_at } : {}), approval };
  }

  /** Marks the link used; false when it was used already, has expired, or its approval is no longer pending. Single use holds across processes. */
  async claimLink(hash: string, now = new Date()): Promise<boolean> {
    const at = now.toISOString();
    const changed = await this.sql.run(
      `UPDATE approval_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
       AND approval_key IN (SELECT approval_key FROM approvals WHERE status = 'pending')`,
      [at, hash, at],
    );
    return changed > 0;
  }

  /** Gives a claimed link back, when the decision it carried never reached the run (no worker answered). */
  async releaseLink(hash: string): Promise<void> {
    await this.sql.run('UPDATE approval_links SET used_at = NULL WHERE token_hash = ?', [hash]);
  }

  /** Records how a pending approval ended and spends every link of it; an approval already closed keeps its first ending. */
  async close(key: string, closing: ApprovalClosing): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE approvals SET status = ?, decided_by = ?, decided_via = ?, decided_at = ?, comment = ? WHERE approval_key = ? AND status = 'pending'`,
      [closing.status, text(closing.by), closing.via ?? null, closing.at, text(closing.comment), key],
    );
    await this.sql.run('UPDATE approval_links SET used_at = ? WHERE approval_key = ? AND used_at IS NULL', [closing.at, key]);
    return changed > 0;
  }

  /** Approvals newest first: by status (pending by default; `all` for every one), by run. */
  async list(options: { status?: ApprovalStatus | 'all'; runId?: string; limit?: number } = {}): Promise<StoredApproval[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const status = options.status ?? 'pending';
    if (status !== 'all') {
      where.push('status = ?');
      params.push(status);
    }
    if (options.runId) {
      where.push('run_id = ?');
      params.push(options.runId);
    }
    params.push(options.limit ?? 100);
    const rows = await this.sql.all<ApprovalRow>(`SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, approval_key LIMIT ?`, params);
    return rows.map(toApproval);
  }

  /** How many approvals wait for a decision. */
  async countPending(): Promise<number> {
    const [row] = await this.sql.all<{ n: number | string }>("SELECT COUNT(*) AS n FROM approvals WHERE status = 'pending'");
    return Number(row?.n ?? 0);
  }
}
