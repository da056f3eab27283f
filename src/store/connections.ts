/** The gateway's Redis connections: for commands (the API's and the workers') and for pub/sub subscriptions. */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Reconnect delay after `times` failed attempts: ioredis reconnects by itself, at most every 2 s. */
const reconnectDelay = (times: number) => Math.min(times * 200, 2000);

/** A Redis connection for commands: fails fast while disconnected instead of queueing (the API answers 503). */
export function createRedis(url: string, opts: { worker?: boolean; log?: Logger } = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: opts.worker ?? false,
    // Commands issued in the same tick by concurrent requests go out in one write (fewer syscalls under load). A
    // task's create and read and the rate limit's call on the request path are batched by store/hot-script.ts instead.
    enableAutoPipelining: !opts.worker,
    maxRetriesPerRequest: opts.worker ? null : 1,
    retryStrategy: reconnectDelay,
  });
  // ioredis reconnects by itself; one line per outage, not an unhandled-error trace per attempt.
  let down = false;
  redis.on('error', (err) => {
    if (!down) opts.log?.error({ err: err.message }, 'redis connection error; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) opts.log?.info('redis connection restored');
    down = false;
  });
  return redis;
}

/**
 * A connection for SUBSCRIBE (pub/sub: cache invalidations, poll wakes): reconnects for ever, and ioredis subscribes
 * it again after every reconnect. Connect it with `connect()`.
 */
export function createSubscriber(url: string): Redis {
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: reconnectDelay });
}
