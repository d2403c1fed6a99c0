// Enrichments kept per Insight, so that later steps and later runs send the Insight with them.
import type { Enrichment, Insight } from '../../../dsl';
import { documentId, withStore, type ActivityDeps } from '../deps';

/** Where the enrichments of each Insight are kept: one document per Insight. */
export const ENRICHMENTS_INDEX = 'enrichments';

/** The stored enrichments of an Insight: its own and its Signals', by target. */
export interface EnrichmentDocument {
  insightId: string;
  insight: Enrichment[];
  signals: Record<string, Enrichment[]>;
}

/** The id of an Insight's enrichment document. */
export function enrichmentDocumentId(insightId: string): string {
  return documentId(ENRICHMENTS_INDEX, insightId);
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * The Insight with the enrichments stored for it by earlier steps or runs attached (to the
 * Insight's `enrichments` and each Signal's), so the actions that send the Insight send them too.
 * Nothing is added where there is nothing to add: an Insight without stored enrichments is the
 * Insight as sent.
 */
export async function withStoredEnrichments(deps: ActivityDeps, origin: string, insight: Insight): Promise<Insight> {
  const doc = (await withStore(origin, () => deps.store.getDocument(ENRICHMENTS_INDEX, enrichmentDocumentId(insight.id)))) as Partial<EnrichmentDocument> | undefined;
  if (!doc) return insight;
  const own = doc.insight ?? [];
  const bySignal = doc.signals ?? {};
  return {
    ...insight,
    ...(own.length > 0 ? { enrichments: [...asList(insight.enrichments), ...own] as Record<string, unknown>[] } : {}),
    ...(Array.isArray(insight.signals)
      ? { signals: insight.signals.map((s) => ((bySignal[s.id] ?? []).length > 0 ? { ...s, enrichments: [...asList(s.enrichments), ...bySignal[s.id]] } : s)) }
      : {}),
  };
}
