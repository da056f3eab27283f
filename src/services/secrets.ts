/**
 * Sealing of webhook secrets stored in Redis: AES-256-GCM under a key derived (HKDF) from `webhooks.encryptionKey`,
 * or from `adminToken` when that is unset. The secret must be readable to sign, so it cannot be hashed like API keys;
 * sealed, a Redis dump alone does not reveal it.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export class SecretBox {
  private readonly key: Buffer | null;

  constructor(material: string | undefined) {
    this.key = material ? Buffer.from(hkdfSync('sha256', material, 'mj-gateway', 'webhook-secrets', 32)) : null;
  }

  /** False when neither `webhooks.encryptionKey` nor `adminToken` is configured: nothing can be sealed. */
  get enabled(): boolean {
    return this.key !== null;
  }

  seal(plaintext: string): string {
    if (!this.key) throw new Error('no key to seal secrets: set webhooks.encryptionKey or adminToken');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The plaintext, or null when it was sealed under another key (e.g. after the admin token changed). */
  open(sealed: string): string | null {
    if (!this.key || !sealed.startsWith(`${VERSION}.`)) return null;
    try {
      const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
