/** The last balance read of each provider account: one JSON string per provider, kept a day past its last refresh. */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

export interface StoredBalance { usd: number; low: boolean | null; checkedAt: string }

const TTL_SECONDS = 86_400;

export class BalanceStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  async set(providerId: string, balance: StoredBalance): Promise<void> {
    await this.redis.set(this.keys.balance(providerId), JSON.stringify(balance), 'EX', TTL_SECONDS);
  }

  /** Each provider's balance in order, null where none was read yet. */
  async read(ids: string[]): Promise<Array<StoredBalance | null>> {
    if (ids.length === 0) return [];
    const rows = await this.redis.mget(...ids.map((id) => this.keys.balance(id)));
    return rows.map((raw) => (raw ? (JSON.parse(raw) as StoredBalance) : null));
  }
}
