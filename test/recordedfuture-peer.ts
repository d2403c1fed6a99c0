// What a Recorded Future Connect API peer on 127.0.0.1 answers: risk lookups of the sample Insight's indicators, 404 for unknown ones, 401 for a wrong token.
import type { Received } from './loopback';

/** The SHA-256 in the sample Insight's Records, which the peer does not know. */
export const RF_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** `GET /v2/{type}/{value}?fields=risk` answers, by path. */
export const RF_RISK: Record<string, unknown> = {
  '/v2/ip/203.0.113.77?fields=risk': { data: { risk: { score: 89, criticalityLabel: 'Malicious', riskSummary: '5 of 64 Risk Rules currently observed.', evidenceDetails: [{ rule: 'Current C&C Server' }, { rule: 'Recent Phishing Host' }] } } },
  '/v2/domain/evil-login.example.net?fields=risk': { data: { risk: { score: 65, criticalityLabel: 'Suspicious', riskSummary: '2 of 46 Risk Rules currently observed.', evidenceDetails: [{ rule: 'Recently Reported Phishing' }] } } },
};

/** The peer's answer to one request, for a peer that knows `token`. */
export function recordedFutureAnswer(req: Received, token: string): { status: number; body: unknown } {
  if (req.headers['x-rftoken'] !== token) return { status: 401, body: { error: { status: 401, message: 'Unauthorized' } } };
  const answer = RF_RISK[req.url];
  return answer ? { status: 200, body: answer } : { status: 404, body: { error: { status: 404, message: 'Not found' } } };
}
