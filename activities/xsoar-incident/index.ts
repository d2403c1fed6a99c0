// xsoar.incident: a Cortex XSOAR (Demisto) 6 or 8 incident created from the Insight JSON, over mutual TLS when the connection has a client certificate.
import { parseHeaderLines, type ActionOutputs, type ActionRequest } from '../../dsl';
import { actionFailure } from '../shared/errors';
import { withStoredEnrichments } from '../shared/insight/enrichments';
import { deliverOnce, originOf, type ActivityDeps } from '../shared/deps';
import { callPeer, type PeerRequest } from '../shared/http';
import { apiKeyAccess, connectionOf, insightJson, joinUrl, vendorInsightOf } from '../shared/insight/insight';
import { resolveSecret } from '../shared/secrets';

/** Where XSOAR 8 serves its public API: `https://api-{fqdn}/xsoar/public/v1/...` (Cortex XSOAR 8 API reference). */
export const XSOAR8_PREFIX = '/xsoar/public/v1';

/**
 * The URL of the create-incident endpoint. XSOAR 6 serves it at the server's root; XSOAR 8 under
 * `/xsoar/public/v1`, which is added unless the connection's URL already ends with it.
 */
export function xsoarEndpointUrl(base: string, endpoint: string, version: 6 | 8 | undefined): URL {
  if (version !== 8) return joinUrl(base, endpoint);
  const path = new URL(base).pathname.replace(/\/+$/, '');
  return joinUrl(base, path.endsWith(XSOAR8_PREFIX) ? endpoint : `${XSOAR8_PREFIX}${endpoint}`);
}

/**
 * Posts the Insight to the create-incident-from-JSON endpoint (`/incident/json`), which XSOAR
 * maps into an incident through the incident type's mapper. The API key goes in the
 * Authorization header as XSOAR expects it (a Standard key). For XSOAR 8 (`version: 8` on the
 * connection) the key's ID goes in `x-xdr-auth-id` and the path gains the `/xsoar/public/v1`
 * prefix, as the Cortex XSOAR 8 API reference requires; XSOAR 6 is unchanged.
 */
export async function buildXsoarRequest(deps: ActivityDeps, request: ActionRequest<'xsoar.incident'>): Promise<PeerRequest> {
  const origin = originOf(request);
  const insight = await withStoredEnrichments(deps, origin, vendorInsightOf(request));
  const p = request.params;
  const connection = connectionOf(deps, request, 'apikey');
  const access = apiKeyAccess(deps, request);
  const extra = p.extraHeaders ? parseHeaderLines(p.extraHeaders) : { headers: {}, problems: [] };
  if (extra.problems.length > 0) throw actionFailure('ActionInputError', `${origin}: with.extraHeaders: ${extra.problems.join('; ')}`);
  const headers: Record<string, string> = { ...access.headers };
  for (const [k, v] of Object.entries(extra.headers)) headers[k.toLowerCase()] = v;
  headers.authorization = access.key;
  headers['content-type'] = 'application/json';
  headers.accept = 'application/json';
  if (connection.version === 8) {
    // Checked when the configuration loads; checked again for a configuration built in code.
    if (!connection.keyId) throw actionFailure('ConnectionConfigError', `${origin}: connection "${request.connection}" is XSOAR 8 but has no keyId (the API key's ID, sent as x-xdr-auth-id)`);
    headers['x-xdr-auth-id'] = resolveSecret(connection.keyId, `connections.${request.connection}.keyId`);
  }
  const url = xsoarEndpointUrl(access.base, p.endpoint, connection.version);
  const body = JSON.stringify(insightJson(insight, { signals: true, records: !p.excludeRecords }));
  return { origin, network: deps.config.network, url, method: 'POST', headers, body, tls: access.tls, secrets: access.secrets };
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
