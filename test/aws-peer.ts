// What an AWS peer on 127.0.0.1 checks and answers: SigV4 signatures recomputed independently (aws4), and the Query API's XML errors.
import crypto from 'node:crypto';
import aws4 from 'aws4';
import type { Received } from './loopback';
import { vendorText } from './vendor-peers';

/** Access keys the peer knows; a key with a session token must come with it. */
export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What the peer accepted, after checking the signature. */
export interface Verified {
  service: string;
  region: string;
  accessKeyId: string;
  form: URLSearchParams;
}

/** An AWS Query API error answer (`<ErrorResponse>`), as SNS and STS send it. */
export function awsXmlError(status: number, code: string, message: string) {
  return { status, headers: { 'content-type': 'text/xml' }, body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-err</RequestId></ErrorResponse>` };
}

/**
 * Recomputes the SigV4 signature of a request from the headers it says it signed, with the
 * secret the peer knows for its access key, and refuses it (a reason) unless both signatures agree.
 */
export function verifySigV4(req: Received, known: readonly AwsKeys[]): Verified | string {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
  if (!auth) return 'no SigV4 Authorization header';
  const [, accessKeyId, , region, service, signedHeaders] = auth;
  const keys = known.find((k) => k.accessKeyId === accessKeyId);
  if (!keys) return `unknown access key ${accessKeyId}`;
  if (keys.sessionToken !== undefined && req.headers['x-amz-security-token'] !== keys.sessionToken) return 'missing or wrong session token';
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== crypto.createHash('sha256').update(req.body).digest('hex')) return 'payload hash mismatch';
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
  // With doNotModifyHeaders aws4 would sign at its own clock; sign at the request's X-Amz-Date, or a
  // request made in one second and checked in the next would not match.
  const signer = new aws4.RequestSigner({ host: headers.host, path: req.url, method: req.method, service, region, headers, body: req.body, doNotModifyHeaders: true } as aws4.Request, keys) as unknown as { datetime: string; sign(): aws4.Request };
  signer.datetime = String(req.headers['x-amz-date'] ?? '');
  const signed = signer.sign();
  const expected = (signed.headers as Record<string, string>).Authorization ?? (signed.headers as Record<string, string>).authorization;
  if (expected !== req.headers.authorization) return 'signature mismatch';
  return { service, region, accessKeyId, form: new URLSearchParams(req.body) };
}

/**
 * SNS's answer to a signed Publish: InvalidParameter for what its documented constraints refuse
 * (test/fixtures/vendor/sns/publish-constraints.json), else the example response of the Publish
 * API reference with `messageId`.
 */
export function snsPublishAnswer(form: URLSearchParams, messageId: string) {
  const subject = form.get('Subject');
  if (subject !== null && ([...subject].length >= 100 || /[\u0000-\u001f\u007f-\u009f]/.test(subject))) return awsXmlError(400, 'InvalidParameter', 'Invalid parameter: Subject');
  if (Buffer.byteLength(form.get('Message') ?? '') > 262_144) return awsXmlError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
  return { status: 200, headers: { 'content-type': 'text/xml' }, body: vendorText('sns/publish-response.xml').replace('567910cd-659e-55d4-8ccb-5aaf14679dc0', messageId) };
}
