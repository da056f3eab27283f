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

  /** Submits and failed submits per provider over the last `windowMs` (the circuit's own window; emptied when it opens or closes). */
  async recent(ids: string[], windowMs: number, now = Date.now()): Promise<Array<{ submits: number; failures: number }>> {
    const from = Math.floor((now - windowMs) / 1000);
    const sum = (h: Record<string, string>) => Object.entries(h).reduce((n, [sec, c]) => (Number(sec) > from ? n + Number(c) : n), 0);
    return Promise.all(ids.map(async (id) => {
      const [all, failed] = await Promise.all([this.redis.hgetall(this.keys.circuitWindow(id)), this.redis.hgetall(this.keys.circuitFailures(id))]);
      return { submits: sum(all), failures: sum(failed) };
    }));
  }
}
