// recordedfuture.enrich: Recorded Future lookups of the IPs, domains and hashes in an Insight's Records, cached, and attached as enrichments.
import net from 'node:net';
import { durationMs, insightRecords, type ActionOutputs, type ActionRequest, type Enrichment, type Insight } from '../../dsl';
import { documentId, originOf, withStore, type ActivityDeps } from '../shared/deps';
import { callPeer, type PeerRequest } from '../shared/http';
import type { NetworkPolicy } from '../shared/network';
import { apiKeyAccess, joinUrl, vendorInsightOf, type ApiKeyAccess } from '../shared/insight/insight';
import { ENRICHMENTS_INDEX, enrichmentDocumentId, type EnrichmentDocument } from '../shared/insight/enrichments';

/** Where lookups are cached, one document per indicator. */
const CACHE_INDEX = 'recordedfuture-cache';

type IndicatorType = Enrichment['type'];
type Lookup = Pick<Enrichment, 'found' | 'riskScore' | 'criticality' | 'riskSummary' | 'rules'>;

/** Fields whose names say they hold a host name: elsewhere a dotted word is more often a file name. */
const HOST_FIELD = /domain|host|fqdn|dns|query|url|server|site|sni/i;
const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const HASH = /^(?:[a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64})$/i;

/** True for addresses no threat feed knows: private, loopback, link-local, CGNAT, multicast, documentation. */
function isInternal(ip: string): boolean {
  if (net.isIPv4(ip)) {
    const [a, b] = ip.split('.').map(Number);
    return a === 10 || a === 127 || a === 0 || a >= 224 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b < 128);
  }
  const low = ip.toLowerCase();
  return low === '::1' || low === '::' || low.startsWith('fe80:') || low.startsWith('fc') || low.startsWith('fd') || low.startsWith('ff');
}

function classify(value: string, field: string, anyField: boolean): { type: IndicatorType; value: string } | undefined {
  const v = value.trim();
  if (net.isIP(v)) return isInternal(v) ? undefined : { type: 'ip', value: v };
  if (HASH.test(v)) return { type: 'hash', value: v.toLowerCase() };
  if (/^https?:\/\//i.test(v)) {
    try {
      const host = new URL(v).hostname.replace(/^\[|\]$/g, '');
      return host ? classify(host, 'host', true) : undefined;
    } catch {
      return undefined;
    }
  }
  if (DOMAIN.test(v) && (anyField || HOST_FIELD.test(field))) return { type: 'domain', value: v.toLowerCase().replace(/\.$/, '') };
  return undefined;
}

/** The indicators of some Records, in order of first appearance, each once. */
export function indicatorsOf(records: readonly Record<string, unknown>[], fields: readonly string[] | undefined): { type: IndicatorType; value: string }[] {
  const found = new Map<string, { type: IndicatorType; value: string }>();
  const visit = (value: unknown, field: string) => {
    if (typeof value === 'string') {
      const hit = classify(value, field, fields !== undefined);
      if (hit) found.set(`${hit.type}:${hit.value}`, hit);
    } else if (Array.isArray(value)) value.forEach((v) => visit(v, field));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, `${field}.${k}`);
  };
  for (const record of records) {
    for (const [field, value] of Object.entries(record)) if (!fields || fields.includes(field)) visit(value, field);
  }
  return [...found.values()];
}

interface RiskAnswer {
  data?: { risk?: { score?: number; criticalityLabel?: string; riskSummary?: string; riskString?: string; evidenceDetails?: { rule?: string }[] } };
}

/** One indicator's lookup as it goes out (the step sends it, the dry run shows it). */
export function lookupRequest(network: NetworkPolicy, access: ApiKeyAccess, origin: string, type: IndicatorType, value: string): PeerRequest {
  const url = joinUrl(access.base, `/v2/${type}/${encodeURIComponent(value)}`);
  url.searchParams.set('fields', 'risk');
  const headers = { ...access.headers, 'x-rftoken': access.key, accept: 'application/json' };
  return { origin, network, url, method: 'GET', headers, tls: access.tls, secrets: access.secrets, accept: [404] };
}

async function lookUp(network: NetworkPolicy, access: ApiKeyAccess, origin: string, type: IndicatorType, value: string): Promise<Lookup> {
  const response = await callPeer(lookupRequest(network, access, origin, type, value));
  if (response.status === 404) return { found: false, riskScore: null, criticality: null, riskSummary: null, rules: [] };
  const risk = (response.json as RiskAnswer | undefined)?.data?.risk ?? {};
  return {
    found: true,
    riskScore: typeof risk.score === 'number' ? risk.score : null,
    criticality: risk.criticalityLabel ?? null,
    riskSummary: risk.riskSummary ?? risk.riskString ?? null,
    rules: (risk.evidenceDetails ?? []).map((e) => e.rule).filter((r): r is string => typeof r === 'string'),
  };
}

function merge(list: Enrichment[], added: Enrichment[]): Enrichment[] {
  const byKey = new Map(list.map((e) => [`${e.source}:${e.type}:${e.indicator}`, e]));
  for (const e of added) byKey.set(`${e.source}:${e.type}:${e.indicator}`, e);
  return [...byKey.values()];
}

/**
 * Looks up each indicator once per run (and once per cache TTL across runs), then attaches the
 * answers to the Insight (indicators of all its Records) and/or to each Signal (indicators of that
 * Signal's Records). Records are read where Cloud SIEM puts them, each Signal's `allRecords`.
 * Internal addresses are never looked up: they would spend credits for nothing.
 */
export function enrichRecordedFutureAction(deps: ActivityDeps) {
  return async function enrichRecordedFuture(request: ActionRequest<'recordedfuture.enrich'>): Promise<ActionOutputs['recordedfuture.enrich']> {
    const origin = originOf(request);
    const insight: Insight = vendorInsightOf(request);
    const records = insightRecords(insight);
    const p = request.params;
    const access = apiKeyAccess(deps, request, 'https://api.recordedfuture.com');
    const ttl = durationMs(p.cacheTtl);
    const answers = new Map<string, Lookup>();
    let lookups = 0;
    let cacheHits = 0;
    const skipped = new Set<string>();

    const resolve = async (type: IndicatorType, value: string): Promise<Lookup | undefined> => {
      const key = `${type}:${value}`;
      const known = answers.get(key);
      if (known) return known;
      const cacheId = documentId('recordedfuture', key);
      const cached = await withStore(origin, () => deps.store.getDocument(CACHE_INDEX, cacheId));
      if (cached && typeof cached.fetchedAt === 'string' && Date.now() - Date.parse(cached.fetchedAt) < ttl) {
        cacheHits++;
        answers.set(key, cached.answer as Lookup);
        return cached.answer as Lookup;
      }
      if (lookups >= p.maxLookups) {
        skipped.add(key);
        return undefined;
      }
      lookups++;
      const answer = await lookUp(deps.config.network, access, origin, type, value);
      answers.set(key, answer);
      await withStore(origin, () => deps.store.putDocuments(CACHE_INDEX, [{ id: cacheId, body: { type, indicator: value, answer, fetchedAt: new Date().toISOString() } }]));
      return answer;
    };
    const enrich = async (target: Enrichment['target'], targetId: string, records: Record<string, unknown>[]): Promise<Enrichment[]> => {
      const out: Enrichment[] = [];
      for (const indicator of indicatorsOf(records, p.fields)) {
        const answer = await resolve(indicator.type, indicator.value);
        if (answer) out.push({ target, targetId, type: indicator.type, indicator: indicator.value, source: 'recordedfuture', ...answer });
      }
      return out;
    };

    const forInsight = p.enrichInsight ? await enrich('insight', insight.id, records.map((r) => r.record)) : [];
    const forSignals: Record<string, Enrichment[]> = {};
    if (p.enrichSignals) for (const s of insight.signals ?? []) forSignals[s.id] = await enrich('signal', s.id, records.filter((r) => r.signalId === s.id).map((r) => r.record));

    const docId = enrichmentDocumentId(insight.id);
    const earlier = (await withStore(origin, () => deps.store.getDocument(ENRICHMENTS_INDEX, docId))) as Partial<EnrichmentDocument> | undefined;
    const doc: EnrichmentDocument = { insightId: insight.id, insight: merge(earlier?.insight ?? [], forInsight), signals: { ...(earlier?.signals ?? {}) } };
    for (const [id, list] of Object.entries(forSignals)) doc.signals[id] = merge(doc.signals[id] ?? [], list);
    await withStore(origin, () => deps.store.putDocuments(ENRICHMENTS_INDEX, [{ id: docId, body: { ...doc } }]));
    return { enrichments: [...forInsight, ...Object.values(forSignals).flat()], lookups, cacheHits, skipped: skipped.size };
  };
}
