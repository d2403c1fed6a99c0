// hipchat.notify: the Insight summary sent to a HipChat room through API v2's room notification.
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { deliverOnce, originOf, type ActivityDeps } from '../deps';
import { callPeer, type PeerRequest } from '../http';
import { apiKeyAccess, insightOf, joinUrl } from '../insight/insight';
import { insightSummary } from '../insight/summary';

const COLOR_BY_SEVERITY = { LOW: 'gray', MEDIUM: 'yellow', HIGH: 'red', CRITICAL: 'red' } as const;

/** `POST /v2/room/{room}/notification` with the room token as bearer; the server URL comes from the connection. */
export function buildHipchatRequest(deps: ActivityDeps, request: ActionRequest<'hipchat.notify'>): PeerRequest {
  const origin = originOf(request);
  const summary = insightSummary(insightOf(request));
  const p = request.params;
  const access = apiKeyAccess(deps, request, 'https://api.hipchat.com');
  const body = JSON.stringify({
    message: summary.html.slice(0, 10_000),
    message_format: 'html',
    color: p.color ?? COLOR_BY_SEVERITY[summary.severity],
    notify: p.notify,
    from: 'riposte',
  });
  const url = joinUrl(access.base, `/v2/room/${encodeURIComponent(p.room)}/notification`);
  const headers = { ...access.headers, authorization: `Bearer ${access.key}`, 'content-type': 'application/json' };
  return { origin, url, method: 'POST', headers, body, tls: access.tls, secrets: access.secrets };
}

/** Sends the notification {@link buildHipchatRequest} builds, once per run and step. */
export function notifyHipchatAction(deps: ActivityDeps) {
  return async function notifyHipchat(request: ActionRequest<'hipchat.notify'>): Promise<ActionOutputs['hipchat.notify']> {
    const peerRequest = buildHipchatRequest(deps, request);
    return deliverOnce(deps, request, async () => ({ status: (await callPeer(peerRequest)).status }));
  };
}
