/**
 * Signed media links: `<publicUrl>/media/<id>?exp=<unix s>&sig=<HMAC-SHA256(id.exp), base64url>`. Anyone holding a
 * link may fetch the bytes until it expires (providers and browsers carry no tenant key); a changed id or expiry
 * breaks the signature.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type LinkCheck = 'ok' | 'expired' | 'invalid';

export class MediaLinks {
  private readonly key: Buffer;

  /** `secret`: `media.signingSecret`, else the `adminToken` (hashed, so the two never serve as each other). */
  constructor(secret: string, private readonly baseUrl: string | undefined, private readonly ttlSeconds: number) {
    this.key = createHash('sha256').update(`mjg-media-links\n${secret}`).digest();
  }

  sign(id: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${id}.${exp}`).digest('base64url');
  }

  /** A link valid for `ttlSeconds` (default `media.urlTtlSeconds`); needs `publicUrl`. */
  url(id: string, ttlSeconds = this.ttlSeconds, now = Date.now()): string {
    if (!this.baseUrl) throw new Error('media links need publicUrl');
    const exp = Math.floor(now / 1000) + ttlSeconds;
    return `${this.baseUrl.replace(/\/+$/, '')}/media/${encodeURIComponent(id)}?exp=${exp}&sig=${this.sign(id, exp)}`;
  }

  check(id: string, exp: string | undefined, sig: string | undefined, now = Date.now()): LinkCheck {
    if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return 'invalid';
    const want = Buffer.from(this.sign(id, Number(exp)));
    const got = Buffer.from(sig);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return 'invalid';
    return Number(exp) * 1000 < now ? 'expired' : 'ok';
  }

  /** A stable id derived from a name (mirrored outputs: a retried mirror writes the same object again). */
  derivedId(name: string): string {
    return createHmac('sha256', this.key).update(`id\n${name}`).digest('hex').slice(0, 32);
  }
}
