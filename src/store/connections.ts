/** The gateway's Redis connections: for commands (the API's and the workers') and for pub/sub subscriptions. */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

const SENTINEL = /^redis-sentinel:\/\/(?::([^@]*)@)?([^/]+)\/([^/?]+)(?:\/(\d+))?(?:\?(.*))?$/;

/** TLS settings of a connection (PEM text, as config.ts leaves them). */
export interface TlsSettings { ca?: string; cert?: string; key?: string; servername?: string; rejectUnauthorized?: boolean }

/**
 * Where every connection goes: `url` (a `redis://` / `rediss://` URL, or the `redis-sentinel://` form config.ts builds
 * from `redisSentinel`) and the TLS settings of the data nodes (`tls`) and of the sentinels (`sentinelTls`, default
 * `tls`). A bare string is a URL without settings.
 */
export type RedisAddress = string | { url: string; tls?: TlsSettings; sentinelTls?: TlsSettings };

/** The address of a validated config: its `redisUrl` with `redisTls` (and `redisSentinel.sentinelTls`). */
export function redisAddress(c: { redisUrl: string; redisTls?: TlsSettings; redisSentinel?: { sentinelTls?: TlsSettings } }): RedisAddress {
  return { url: c.redisUrl, ...(c.redisTls ? { tls: c.redisTls } : {}), ...(c.redisSentinel?.sentinelTls ? { sentinelTls: c.redisSentinel.sentinelTls } : {}) };
}

/** Drops unset fields: Node's TLS options treat a present `undefined` differently from an absent key in places. */
const tlsOptions = (t: TlsSettings = {}) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined));

/**
 * The ioredis target of an address: the URL (with its TLS settings), or for the `redis-sentinel://` form the
 * sentinels, which are asked for the primary, again after every failover.
 */
export function redisTarget(address: RedisAddress): [string, RedisOptions] | [RedisOptions] {
  const { url, tls: tlsSettings, sentinelTls } = typeof address === 'string' ? { url: address, tls: undefined, sentinelTls: undefined } : address;
  const m = SENTINEL.exec(url);
  if (!m) return [url, url.startsWith('rediss://') && tlsSettings ? { tls: tlsOptions(tlsSettings) } : {}];
  const [, password, hosts = '', name = '', db, query] = m;
  const q = new URLSearchParams(query ?? '');
  const tls = q.get('tls') === '1';
  return [{
    name: decodeURIComponent(name),
    sentinels: hosts.split(',').map((h) => ({ host: h.slice(0, h.lastIndexOf(':')), port: Number(h.slice(h.lastIndexOf(':') + 1)) })),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    ...(q.get('sentinelPassword') ? { sentinelPassword: q.get('sentinelPassword')! } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(tls ? { tls: tlsOptions(tlsSettings), sentinelTLS: tlsOptions(sentinelTls ?? tlsSettings), enableTLSForSentinelMode: true } : {}),
    // A primary demoted by a failover answers writes with READONLY until the connection moves: move it at once.
    failoverDetector: true,
    reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
  }];
}

/** A connection to `address` (see redisTarget) with the given options. */
const connect = (address: RedisAddress, opts: RedisOptions): Redis => {
  const [target, extra] = redisTarget(address);
  return typeof target === 'string' ? new Redis(target, { ...extra, ...opts }) : new Redis({ ...target, ...opts });
};

/** Reconnect delay after `times` failed attempts: ioredis reconnects by itself, at most every 2 s. */
const reconnectDelay = (times: number) => Math.min(times * 200, 2000);

/** A Redis connection for commands: fails fast while disconnected instead of queueing (the API answers 503). */
export function createRedis(url: RedisAddress, opts: { worker?: boolean; log?: Logger } = {}): Redis {
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
function createSubscriber(url: RedisAddress): Redis {
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
  url: RedisAddress,
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
