/** Checking a gateway webhook: `X-MJG-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * True when `signatureHeader` signs `rawBody` (the exact bytes received) with `secret`, made at most
 * `toleranceSeconds` ago (replays of old deliveries are refused).
 */
export function verifyWebhook(signatureHeader: string | undefined, rawBody: string | Buffer, secret: string, toleranceSeconds = 300, now = Date.now()): boolean {
  if (!signatureHeader) return false;
  const parts = new Map(signatureHeader.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}
