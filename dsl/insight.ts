// The Cloud SIEM Insight as Sumo Logic sends it, the view of it riposte reads (entity, severity, tactics, link), and the triggers that carry both.
import { z } from 'zod';
import { tacticById, tacticByName } from './attack-tactics';

// Every field below is checked only as far as riposte reads it; everything else passes through
// untouched (`loose`), and nothing is defaulted: the Insight a step sends is the one Sumo Logic
// sent. Cloud SIEM writes `null` for an absent value (`closed`, `assignee`, `confidence`,
// `entity.hostname`), hence `nullish` throughout.
const text = z.string().nullish();

/** One Record (a normalised log event) behind a Signal, with the vendor's field names (`srcDevice_ip`, ...). */
export const insightRecordSchema = z.record(z.string(), z.unknown());

/**
 * The entity an Insight or Signal fired on. The playbook payload gives `entityType` and `value`;
 * older API answers give only `id` (`_hostname-host.example`), `name`, `hostname` or `ip.address`.
 */
export const entitySchema = z
  .object({
    id: text,
    name: text,
    value: text,
    entityType: text,
    hostname: text,
    sensorZone: text,
    macAddress: text,
  })
  .loose();

/** A Signal: one rule match of the Insight. Its Records ride in `allRecords` (GET /sec/v1/insights/{id}). */
export const signalSchema = z
  .object({
    id: z.string().min(1),
    name: text,
    ruleId: text,
    /** The ATT&CK tactic the rule maps to, by name ("Initial Access"), or "Unknown/Other". */
    stage: text,
    severity: z.number().nullish(),
    timestamp: text,
    created: text,
    description: text,
    /** Free tags, among them `_mitreAttackTactic:TA0003` and `_mitreAttackTechnique:T1098`. */
    tags: z.array(z.string()).nullish(),
    allRecords: z.array(insightRecordSchema).nullish(),
    entity: entitySchema.nullish(),
  })
  .loose();

/** The Cloud SIEM Insight severities. */
export const INSIGHT_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
/** An Insight severity, upper case. */
export type InsightSeverity = (typeof INSIGHT_SEVERITIES)[number];

/** An Insight, as Cloud SIEM's automation payload and `GET /sec/v1/insights/{id}`'s `data` carry it. */
export const insightSchema = z
  .object({
    // The id names the runs an Insight starts (event/<type>/<id>/<job>): Cloud SIEM's are UUIDs.
    id: z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, { message: 'an Insight id has no control characters' }),
    readableId: text,
    name: text,
    description: text,
    entity: entitySchema,
    severity: z.string().refine((s) => (INSIGHT_SEVERITIES as readonly string[]).includes(s.toUpperCase()), { message: `use one of ${INSIGHT_SEVERITIES.join(', ')}` }),
    confidence: z.number().nullish(),
    /** `{ "name": "new", "displayName": "New" }`; a bare name is accepted too. */
    status: z.union([z.object({ name: z.string(), displayName: text }).loose(), z.string()]).nullish(),
    tags: z.array(z.string()).nullish(),
    created: text,
    closed: text,
    timestamp: text,
    signals: z.array(signalSchema).nullish(),
    /** Enrichments attached by `recordedfuture.enrich` (riposte adds them only when there are some). */
    enrichments: z.array(z.record(z.string(), z.unknown())).nullish(),
  })
  .loose();

/** An Insight exactly as the SIEM sent it; fields riposte does not read are kept, typed `unknown`. */
export type Insight = z.output<typeof insightSchema>;
/** A Signal of an Insight. */
export type InsightSignal = z.output<typeof signalSchema>;

/** A problem with an Insight, at its path inside the Insight (or the envelope). */
export interface InsightProblem {
  path: (string | number)[];
  message: string;
}

/** What reading an Insight gave: the Insight itself (never re-shaped), or every problem by path. */
export type InsightReading = { ok: true; insight: Insight; envelope: boolean } | { ok: false; problems: InsightProblem[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * True for the Cloud SIEM API's envelope `{ "data": <Insight>, "errors": [...] }`, which
 * `GET /sec/v1/insights/{id}` answers and the HTTP POST v2 action posts; a bare Insight has an `id`.
 */
export function isInsightEnvelope(value: unknown): value is { data: unknown; errors?: unknown } {
  return isObject(value) && 'data' in value && !('id' in value);
}

/**
 * Reads an Insight in either form, the envelope or the bare Insight. On success the Insight is the
 * caller's own object, not a parsed copy, so that key order and every vendor field stay as sent.
 */
export function readInsight(value: unknown): InsightReading {
  let envelope = false;
  let candidate = value;
  if (isInsightEnvelope(value)) {
    envelope = true;
    candidate = value.data;
    const errors = Array.isArray(value.errors) ? value.errors : [];
    if (!isObject(candidate)) {
      const said = errors.map((e) => (isObject(e) && typeof e.message === 'string' ? e.message : JSON.stringify(e))).join('; ');
      return { ok: false, problems: [{ path: ['data'], message: `the envelope holds no Insight${said ? ` (its errors: ${said})` : ''}; send the Insight, or { "data": <Insight>, "errors": [] }` }] };
    }
  }
  const parsed = insightSchema.safeParse(candidate);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => ({ path: [...(envelope ? ['data'] : []), ...i.path.map((k) => (typeof k === 'number' ? k : String(k)))], message: i.message })) };
  }
  return { ok: true, insight: candidate as Insight, envelope };
}

/**
 * An Insight field of an event or API body: the envelope or the bare Insight, checked with
 * {@link insightSchema}, given on as the Insight object that came in (never a parsed copy).
 */
export const insightInputSchema = z.unknown().transform((value, ctx): Insight => {
  const reading = readInsight(value);
  if (reading.ok) return reading.insight;
  for (const p of reading.problems) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  return z.NEVER;
});

/** The Insight wrapped as the Cloud SIEM API answers `GET /sec/v1/insights/{id}`. */
export function insightEnvelope(insight: Record<string, unknown>): { data: Record<string, unknown>; errors: unknown[] } {
  return { data: insight, errors: [] };
}

const ZONELESS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(\.\d+)?$/;

/**
 * A Cloud SIEM timestamp as ISO 8601 in UTC. Cloud SIEM writes its times without a zone
 * (`2024-09-05T20:25:59.673356`), in UTC: Sumo Logic's own XSOAR integration reads them so.
 * Fractions beyond milliseconds are cut. Undefined for anything that is not a time.
 */
export function utcTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const zoneless = ZONELESS.exec(value);
  const normalised = zoneless ? `${zoneless[1]}${(zoneless[2] ?? '').slice(0, 4)}Z` : value;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(normalised)) return undefined;
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** A tactic of an Insight: the ATT&CK id when known, the name, and both as one label. */
export interface InsightTactic {
  id?: string;
  name: string;
  /** `Initial Access (TA0001)`, or the name alone when the id is unknown. */
  label: string;
}

/** A Signal as the view gives it: no Records, only how many ride with it. */
export interface InsightSignalView {
  id: string;
  name?: string;
  ruleId?: string;
  stage?: string;
  severity?: number;
  timestamp?: string;
  recordCount: number;
}

/**
 * The normalised view riposte reads for summaries and its own decisions. The Insight itself is
 * never replaced by it: templates see the vendor's fields at `trigger.insight`, this view at
 * `trigger.insightView`.
 */
export interface InsightView {
  id: string;
  readableId: string;
  name: string;
  severity: InsightSeverity;
  /** `status.name` ("new", "closed", ...). */
  status?: string;
  closedState: boolean;
  entity: { entityType: string; value: string; hostname?: string; text: string };
  /** ISO 8601, UTC. */
  created?: string;
  closed?: string;
  timestamp?: string;
  /** From the Signals' `stage` and the `_mitreAttackTactic:` tags, in order of first appearance. */
  tactics: InsightTactic[];
  /** From the `_mitreAttackTechnique:` tags. */
  techniques: string[];
  /** The Insight's page in Cloud SIEM, built from the configured base URL and the Insight id. */
  link?: string;
  signals: InsightSignalView[];
  recordCount: number;
}

/** How the view is built. */
export interface InsightViewOptions {
  /** Cloud SIEM's base URL (`cloudSiem.url`, e.g. https://service.us2.sumologic.com). */
  cloudSiemUrl?: string;
}

const TACTIC_TAG = /^_mitreAttackTactic:(TA\d{4})$/i;
const TECHNIQUE_TAG = /^_mitreAttackTechnique:(T\d{4}(?:\.\d{3})?)$/i;
/** The stage Cloud SIEM gives a rule that maps to no tactic. */
const NO_TACTIC = 'unknown/other';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function entityOf(entity: Record<string, unknown>): InsightView['entity'] {
  const ip = isObject(entity.ip) ? str(entity.ip.address) : undefined;
  const id = str(entity.id);
  // Older API answers have no entityType; their id is `<entityType>-<value>` (`_hostname-host.example`).
  const typeFromId = id && /^_[A-Za-z]+-/.test(id) ? id.slice(0, id.indexOf('-')) : undefined;
  const entityType = str(entity.entityType) ?? typeFromId ?? (ip ? '_ip' : 'entity');
  const value = str(entity.value) ?? str(entity.name) ?? ip ?? str(entity.hostname) ?? id ?? '(unknown)';
  const hostname = str(entity.hostname) ?? str(entity.ipHostname);
  return { entityType, value, ...(hostname ? { hostname } : {}), text: `${entityType} ${value}${hostname && hostname !== value ? ` (${hostname})` : ''}` };
}

/** The tactics of an Insight, from each Signal's `stage` and the MITRE tags of the Signals and the Insight. */
export function insightTactics(insight: Insight): InsightTactic[] {
  const found = new Map<string, InsightTactic & { fromTag: boolean }>();
  const unknown: string[] = [];
  const add = (name: string | undefined, id: string | undefined, fromTag: boolean) => {
    const key = id ?? name?.toLowerCase();
    if (!key || !name) return;
    const known = found.get(key);
    // A Signal's stage is the name Cloud SIEM shows; it wins over ATT&CK's name for a tag's id.
    if (known) {
      if (known.fromTag && !fromTag) found.set(key, { ...known, name, label: id ? `${name} (${id})` : name, fromTag });
      return;
    }
    found.set(key, { ...(id ? { id } : {}), name, label: id ? `${name} (${id})` : name, fromTag });
  };
  const fromTags = (tags: unknown) => {
    for (const tag of Array.isArray(tags) ? tags : []) {
      const m = typeof tag === 'string' ? TACTIC_TAG.exec(tag) : null;
      if (m) add(tacticById(m[1])?.name ?? m[1].toUpperCase(), m[1].toUpperCase(), true);
    }
  };
  for (const signal of insight.signals ?? []) {
    const stage = str(signal.stage?.trim());
    if (stage && stage.toLowerCase() === NO_TACTIC) unknown.push(stage);
    else if (stage) add(stage, tacticByName(stage)?.id, false);
    fromTags(signal.tags);
  }
  fromTags(insight.tags);
  // "Unknown/Other" says no tactic is known: shown only when nothing better is.
  if (found.size === 0 && unknown.length > 0) return [{ name: unknown[0], label: unknown[0] }];
  return [...found.values()].map(({ fromTag: _fromTag, ...t }) => t);
}

/** The techniques named by `_mitreAttackTechnique:` tags of the Signals and the Insight. */
export function insightTechniques(insight: Insight): string[] {
  const out = new Set<string>();
  for (const tags of [...(insight.signals ?? []).map((s) => s.tags), insight.tags]) {
    for (const tag of Array.isArray(tags) ? tags : []) {
      const m = typeof tag === 'string' ? TECHNIQUE_TAG.exec(tag) : null;
      if (m) out.add(m[1].toUpperCase());
    }
  }
  return [...out];
}

/** The Insight's page in Cloud SIEM: `<base>/sec/insight/<id>`, as Sumo Logic's own integrations link it. */
export function insightLink(insight: Pick<Insight, 'id'>, cloudSiemUrl: string | undefined): string | undefined {
  if (!cloudSiemUrl) return undefined;
  // One path segment whatever the id holds: "." and ".." would otherwise climb out of /sec/insight/.
  const segment = encodeURIComponent(insight.id);
  return `${cloudSiemUrl.replace(/\/+$/, '')}/sec/insight/${segment === '.' || segment === '..' ? segment.replace(/\./g, '%2E') : segment}`;
}

/** True when Cloud SIEM says the Insight is closed: its status is "closed", or it has a `closed` time. */
export function isClosedInsight(insight: Insight): boolean {
  const status = typeof insight.status === 'string' ? insight.status : insight.status?.name;
  return status?.toLowerCase() === 'closed' || utcTimestamp(insight.closed) !== undefined;
}

/** Builds the view of an Insight. */
export function insightView(insight: Insight, options: InsightViewOptions = {}): InsightView {
  const signals = insight.signals ?? [];
  const status = typeof insight.status === 'string' ? insight.status : insight.status?.name;
  const created = utcTimestamp(insight.created);
  const closed = utcTimestamp(insight.closed);
  const timestamp = utcTimestamp(insight.timestamp);
  // The Insight's own link when it carries one (Cloud SIEM's do not), else its page under the configured base URL.
  const link = str((insight as Record<string, unknown>).link) ?? insightLink(insight, options.cloudSiemUrl);
  const signalViews = signals.map((s): InsightSignalView => {
    const stage = str(s.stage);
    const ruleId = str(s.ruleId);
    const name = str(s.name);
    const at = utcTimestamp(s.timestamp);
    return { id: s.id, ...(name ? { name } : {}), ...(ruleId ? { ruleId } : {}), ...(stage ? { stage } : {}), ...(typeof s.severity === 'number' ? { severity: s.severity } : {}), ...(at ? { timestamp: at } : {}), recordCount: s.allRecords?.length ?? 0 };
  });
  return {
    id: insight.id,
    readableId: str(insight.readableId) ?? insight.id,
    name: str(insight.name) ?? str(insight.readableId) ?? insight.id,
    severity: insight.severity.toUpperCase() as InsightSeverity,
    ...(status ? { status } : {}),
    closedState: isClosedInsight(insight),
    entity: entityOf(insight.entity),
    ...(created ? { created } : {}),
    ...(closed ? { closed } : {}),
    ...(timestamp ? { timestamp } : {}),
    tactics: insightTactics(insight),
    techniques: insightTechniques(insight),
    ...(link ? { link } : {}),
    signals: signalViews,
    recordCount: signalViews.reduce((n, s) => n + s.recordCount, 0),
  };
}

/** One Record with the Signal it rides with. */
export interface InsightRecord {
  signalId: string;
  record: Record<string, unknown>;
}

/** The Records of an Insight, read where Cloud SIEM puts them: each Signal's `allRecords`. */
export function insightRecords(insight: Insight): InsightRecord[] {
  return (insight.signals ?? []).flatMap((s) => (s.allRecords ?? []).filter(isObject).map((record) => ({ signalId: s.id, record })));
}

/**
 * The trigger of a run started by an Insight event: the Insight as sent and its view beside it.
 * Sensor and rule events carry `sensor` and `rule` the same way.
 */
export interface InsightTrigger {
  type: 'insight.created' | 'insight.closed' | 'insight.on_demand';
  id?: string;
  insight: Insight;
  insightView: InsightView;
}
