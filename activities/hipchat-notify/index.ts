// hipchat.notify: the Insight summary sent to a HipChat room through API v2's room notification.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { deliverOnce, originOf, type ActivityDeps } from '../shared/deps';
import { callPeer, type PeerRequest } from '../shared/http';
import { actionFailure } from '../shared/errors';
import { apiKeyAccess, connectionOf, insightOf, joinUrl } from '../shared/insight/insight';
import { insightSummary } from '../shared/insight/summary';

const COLOR_BY_SEVERITY = { LOW: 'gray', MEDIUM: 'yellow', HIGH: 'red', CRITICAL: 'red' } as const;

/**
 * `POST /v2/room/{room}/notification` with the room token as bearer. The server URL must come
 * from the connection: Atlassian shut HipChat Cloud (api.hipchat.com) down on 15 February 2019,
 * and asked integrations never to hard-code that endpoint but to take the server's URL from the
 * user ("Integration Guidelines to Support HipChat Server").
 */
export function buildHipchatRequest(deps: ActivityDeps, request: ActionRequest<'hipchat.notify'>): PeerRequest {
  const origin = originOf(request);
  const summary = insightSummary(insightOf(request));
  const p = request.params;
  const connection = connectionOf(deps, request, 'apikey');
  if (!connection.url) {
    throw actionFailure('ConnectionConfigError', `${origin}: connection "${request.connection}" has no url; HipChat Cloud (api.hipchat.com) was shut down in February 2019, so give the base URL of your HipChat Server or Data Center, e.g. "url": "https://hipchat.example.org"`);
  }
  const access = apiKeyAccess(deps, request);
  const body = JSON.stringify({
    message: summary.html.slice(0, 10_000),
    message_format: 'html',
    color: p.color ?? COLOR_BY_SEVERITY[summary.severity],
    notify: p.notify,
    from: 'riposte',
  });
  const url = joinUrl(access.base, `/v2/room/${encodeURIComponent(p.room)}/notification`);
  const headers = { ...access.headers, authorization: `Bearer ${access.key}`, 'content-type': 'application/json' };
  return { origin, network: deps.config.network, url, method: 'POST', headers, body, tls: access.tls, secrets: access.secrets };
}

/** Sends the notification {@link buildHipchatRequest} builds, once per run and step. */
export function notifyHipchatAction(deps: ActivityDeps) {
  return async function notifyHipchat(request: ActionRequest<'hipchat.notify'>): Promise<ActionOutputs['hipchat.notify']> {
    const peerRequest = buildHipchatRequest(deps, request);
    return deliverOnce(deps, request, async () => ({ status: (await callPeer(peerRequest)).status }));
  };
}
