/** Per-provider circuit state in Redis (scripts circuit-pass / circuit-record); the rules are in services/circuit.ts. */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { circuitPass, circuitRecord, type CircuitPassInput, type CircuitRecordInput } from './scripts.js';

export type CircuitState = 'closed' | 'open' | 'half_open';
export type Gate = 'closed' | 'probe' | 'open';

export interface StoredCircuit { state: CircuitState; until: number | null; reason: string | null }

export class CircuitStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  pass(input: CircuitPassInput): Promise<Gate> {
    return runScript(this.redis, this.keys, circuitPass, input);
  }

  /** The state after the outcome; `changed` when this call moved it. */
  async record(input: CircuitRecordInput): Promise<{ state: CircuitState; changed: boolean }> {
    const out = await runScript(this.redis, this.keys, circuitRecord, input);
    return { state: out.replace('!', '') as CircuitState, changed: out.startsWith('!') };
  }

  /** The stored state of each provider, as written (an open circuit past its time is still `open` here). */
  async read(ids: string[]): Promise<StoredCircuit[]> {
    const rows = await Promise.all(ids.map((id) => this.redis.hmget(this.keys.circuit(id), 'state', 'until', 'reason')));
    return rows.map(([state, until, reason]) => ({ state: (state ?? 'closed') as CircuitState, until: until ? Number(until) : null, reason: reason || null }));
  }
}
