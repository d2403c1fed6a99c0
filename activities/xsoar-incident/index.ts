// xsoar.incident: a Cortex XSOAR (Demisto) incident created from the Insight JSON, over mutual TLS when the connection has a client certificate.
import { parseHeaderLines, type ActionOutputs, type ActionRequest } from '../../dsl';
import { actionFailure } from '../errors';
import { withStoredEnrichments } from '../insight/enrichments';
import { deliverOnce, originOf, type ActivityDeps } from '../deps';
import { callPeer, type PeerRequest } from '../http';
import { apiKeyAccess, insightJson, insightOf, joinUrl } from '../insight/insight';

/**
 * Posts the Insight to `{url}/incident/json`, which XSOAR maps into an incident through the
 * incident type's mapper. The API key goes in the Authorization header as XSOAR expects it
 * (Standard key); XSOAR 8's `x-xdr-auth-id` goes in the connection's headers or extraHeaders.
 */
export async function buildXsoarRequest(deps: ActivityDeps, request: ActionRequest<'xsoar.incident'>): Promise<PeerRequest> {
  const origin = originOf(request);
  const insight = await withStoredEnrichments(deps, origin, insightOf(request));
  const p = request.params;
  const access = apiKeyAccess(deps, request);
  const extra = p.extraHeaders ? parseHeaderLines(p.extraHeaders) : { headers: {}, problems: [] };
  if (extra.problems.length > 0) throw actionFailure('ActionInputError', `${origin}: with.extraHeaders: ${extra.problems.join('; ')}`);
  const headers: Record<string, string> = { ...access.headers };
  for (const [k, v] of Object.entries(extra.headers)) headers[k.toLowerCase()] = v;
  headers.authorization = access.key;
  headers['content-type'] = 'application/json';
  headers.accept = 'application/json';
  const body = JSON.stringify(insightJson(insight, { signals: true, records: !p.excludeRecords }));
  return { origin, url: joinUrl(access.base, p.endpoint), method: 'POST', headers, body, tls: access.tls, secrets: access.secrets };
}

/** Creates the incident {@link buildXsoarRequest} describes, once per run and step. */
export function createXsoarIncidentAction(deps: ActivityDeps) {
  return async function createXsoarIncident(request: ActionRequest<'xsoar.incident'>): Promise<ActionOutputs['xsoar.incident']> {
    const origin = originOf(request);
    const peerRequest = await buildXsoarRequest(deps, request);
    return deliverOnce(deps, request, async () => {
      const response = await callPeer(peerRequest);
      const id = (response.json as { id?: unknown } | undefined)?.id;
      if (typeof id !== 'string' && typeof id !== 'number') {
        throw actionFailure('PeerRejectedError', `${origin}: XSOAR answered ${response.status} without an incident id`);
      }
      return { incidentId: String(id) };
    });
  };
}
