/**
 * The two lists a worker process drains on a blocking connection of its own: `intake` (new tasks' ids, pushed by the
 * create script) and `wakes` (`<taskId>|<jobId>` of waiting tasks handed a slot, pushed by the room scripts).
 * An entry popped and then lost (a crash) is not lost for good: new tasks stay in `unqueued`, hand-offs in `handed`,
 * until their job runs, and the sweeps act on both.
 */
import type { Logger } from 'pino';
import { createRedis, type RedisAddress } from './connections.js';
import type { Keys } from './keys.js';

export interface Wake { taskId: string; jobId: string }

export interface Worklists {
  /** Up to `max` entries of one list, oldest first, waiting up to `blockSec` for one; both empty when none came. */
  pop(blockSec: number, max: number): Promise<{ newTasks: string[]; wakes: Wake[] }>;
  /** Cuts a waiting pop short (it fails). */
  close(): void;
}

export function openWorklists(redisUrl: RedisAddress, keys: Keys, log?: Logger): Worklists {
  const conn = createRedis(redisUrl, { worker: true, log });
  return {
    async pop(blockSec, max) {
      const popped = await conn.blmpop(blockSec, 2, keys.intake, keys.wakes, 'RIGHT', 'COUNT', max);
      if (!popped) return { newTasks: [], wakes: [] };
      const [list, items] = popped;
      if (list === keys.intake) return { newTasks: items, wakes: [] };
      return {
        newTasks: [],
        wakes: items.map((item) => {
          const at = item.indexOf('|');
          return { taskId: item.slice(0, at), jobId: item.slice(at + 1) };
        }),
      };
    },
    close: () => conn.disconnect(),
  };
}
