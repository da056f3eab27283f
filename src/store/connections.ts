/** The gateway's Redis connections: for commands (the API's and the workers') and for pub/sub subscriptions. */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

const SENTINEL = /^redis-sentinel:\/\/(?::([^@]*)@)?([^/]+)\/([^/?]+)(?:\/(\d+))?(?:\?(.*))?$/;

/**
 * Where a connection goes: a `redis://` / `rediss://` URL as ioredis reads it, or the `redis-sentinel://` form
 * config.ts builds from `redisSentinel` (the sentinels are asked for the primary, again after every failover).
 */
export function redisTarget(url: string): [string] | [RedisOptions] {
  const m = SENTINEL.exec(url);
  if (!m) return [url];
  const [, password, hosts = '', name = '', db, query] = m;
  const q = new URLSearchParams(query ?? '');
  const tls = q.get('tls') === '1';
  return [{
    name: decodeURIComponent(name),
    sentinels: hosts.split(',').map((h) => ({ host: h.slice(0, h.lastIndexOf(':')), port: Number(h.slice(h.lastIndexOf(':') + 1)) })),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    ...(q.get('sentinelPassword') ? { sentinelPassword: q.get('sentinelPassword')! } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    // A primary demoted by a failover answers writes with READONLY until the connection moves: move it at once.
    failoverDetector: true,
    reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
  }];
}

/** A connection to `url` (see redisTarget) with the given options. */
const connect = (url: string, opts: RedisOptions): Redis => {
  const [target] = redisTarget(url);
  return typeof target === 'string' ? new Redis(target, opts) : new Redis({ ...target, ...opts });
};

/** Reconnect delay after `times` failed attempts: ioredis reconnects by itself, at most every 2 s. */
const reconnectDelay = (times: number) => Math.min(times * 200, 2000);

/** A Redis connection for commands: fails fast while disconnected instead of queueing (the API answers 503). */
export function createRedis(url: string, opts: { worker?: boolean; log?: Logger } = {}): Redis {
  const redis = connect(url, {
    lazyConnect: true,
    enableOfflineQueue: opts.worker ?? false,
    // Commands issued in the same tick by concurrent requests go out in one write (fewer syscalls under load). A
    // task's create and read and the rate limit's call on the request path are batched by hot-script.ts instead.
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

/** A connection for SUBSCRIBE: reconnects for ever, and ioredis subscribes it again after every reconnect. */
function createSubscriber(url: string): Redis {
  return connect(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: reconnectDelay });
}

export interface Subscription {
  /** Settles once the first subscription is in place (rejects if the first connection fails; it keeps trying). */
  readonly ready: Promise<void>;
  /** True while the connection is up and subscribed. */
  readonly live: boolean;
  close(): Promise<void>;
}

/**
 * Subscribes to one channel. `onLive(false)` when the connection drops, `onLive(true)` once it is subscribed again:
 * ioredis re-subscribes right after 'ready', and a PING queued behind that answers once the subscription is back.
 */
export function subscribe(
  url: string,
  channel: string,
  on: { onMessage(message: string): void; onLive?(live: boolean): void; onError?(err: Error): void },
): Subscription {
  const sub = createSubscriber(url);
  let subscribed = false;
  sub.on('message', (_channel: string, message: string) => on.onMessage(message));
  sub.on('close', () => on.onLive?.(false));
  sub.on('error', (err: Error) => on.onError?.(err));
  sub.on('ready', () => setImmediate(() => subscribed && void sub.ping().then(() => on.onLive?.(true), () => undefined)));
  const ready = sub.connect().then(() => sub.subscribe(channel)).then(() => {
    subscribed = true;
    on.onLive?.(true);
  });
  return {
    ready,
    get live() {
      return subscribed && sub.status === 'ready';
    },
    async close() {
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
