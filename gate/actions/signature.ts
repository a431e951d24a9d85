/**
 * Webhook signatures: `X-Release-Health-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, the
 * scheme GitHub uses for `X-Hub-Signature-256`. The body carries `sentAt` (equal to the
 * `X-Release-Health-Timestamp` header), so the timestamp is signed too: a receiver rejects
 * a delivery whose `sentAt` is far from its own clock (replay protection).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Release-Health-Signature';
export const TIMESTAMP_HEADER = 'X-Release-Health-Timestamp';

export function sign(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * For receivers: true when `header` is the signature of exactly these bytes with `secret`.
 * Compares in constant time; any malformed header is simply false.
 * @example verifySignature(rawBody, req.headers['x-release-health-signature'], process.env.RH_WEBHOOK_SECRET!)
 */
export function verifySignature(
  body: string | Uint8Array,
  header: string | string[] | undefined,
  secret: string,
): boolean {
  if (typeof header !== 'string' || !secret) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
