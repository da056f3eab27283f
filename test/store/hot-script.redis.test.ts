/**
 * The request path's Redis calls (src/store/hot-script.ts): written once per loop turn, answered each in its own
 * promise, a script sent again with its text when Redis has lost it, errors and a closed connection
 * passed on.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FLUSH_BYTES, HotScript, TurnBatch } from '../../src/store/hot-script.js';
import { createKeys } from '../../src/store/keys.js';
import type { Script } from '../../src/store/lua.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';


async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met in 2 s');
}

/**
 * The one place the gateway relies on ioredis internals (store/hot-script.ts): the `Command` class built empty and
 * given its arguments, its `promise`, `redis.sendCommand(cmd, stream)` writing through a pipeline-style stream, and
 * `redis.stream`. ioredis is pinned to an exact version in package.json; an upgrade must pass these first.
 */
describe('the ioredis internals the per-turn batch relies on', () => {
  it('are those of the pinned version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    const installed = JSON.parse(readFileSync(new URL('../../node_modules/ioredis/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(pkg.dependencies.ioredis).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed.version).toBe(pkg.dependencies.ioredis);
    const cmd = new Command('get', [], { replyEncoding: 'utf8' });
    expect(cmd.args).toEqual([]);
    cmd.args = ['k'];
    expect(cmd.promise).toBeInstanceOf(Promise);
    expect(typeof Redis.prototype.sendCommand).toBe('function');
    expect(Redis.prototype.sendCommand.length).toBeGreaterThanOrEqual(1);
  });

  it('writes a command through the stream handed to sendCommand and answers it on the connection', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await redis.ping();
      expect(redis.stream).toBeDefined();
      const written: string[] = [];
      const cmd = new Command('echo', [], { replyEncoding: 'utf8' });
      cmd.args = ['contract'];
      void redis.sendCommand(cmd, { isPipeline: true, destination: { redis }, write: (chunk: string | Buffer) => {
        written.push(String(chunk));
        redis.stream.write(chunk);
      } } as never);
      expect(await cmd.promise).toBe('contract');
      expect(written.join('')).toContain('contract');
    } finally {
      await redis.quit();
    }
  });
});

describe('calls batched per loop turn', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, lazyConnect: true });
    await redis.connect();
  });
  afterAll(async () => {
    await redis.quit().catch(() => undefined);
    await dropPrefix(prefix);
  });

  it('writes the calls of one turn together and answers each one', async () => {
    const batch = new TurnBatch(redis);
    await redis.set(`${prefix}:k`, 'v');
    // Writes to the connection's socket (nothing else uses this connection meanwhile).
    let flushes = 0;
    const write = redis.stream.write.bind(redis.stream);
    redis.stream.write = ((...args: Parameters<typeof write>) => {
      flushes++;
      return write(...args);
    }) as typeof write;
    try {
      const answers = await Promise.all([
        ...Array.from({ length: 30 }, (_, i) => batch.send<string>('set', [`${prefix}:n${i}`, String(i)])),
        batch.send<string | null>('get', [`${prefix}:k`]),
        batch.send<string | null>('get', [`${prefix}:missing`]),
      ]);
      expect(answers.slice(0, 30)).toEqual(Array(30).fill('OK'));
      expect(answers.slice(30)).toEqual(['v', null]);
      // One write for the 32 commands.
      expect(flushes).toBe(1);
      // Calls made by separate callbacks of one loop phase (as requests read from different sockets are) share a batch.
      const together = await new Promise<Array<Promise<string | null>>>((resolve) => {
        const calls: Array<Promise<string | null>> = [];
        setImmediate(() => calls.push(batch.send('get', [`${prefix}:n1`])));
        setImmediate(() => resolve([...calls, batch.send('get', [`${prefix}:n2`])]));
      });
      expect(await Promise.all(together)).toEqual(['1', '2']);
      expect(flushes).toBe(2);
      // A later turn's calls go in a batch of their own.
      const next = [batch.send<string | null>('get', [`${prefix}:n7`])];
      await new Promise((r) => setImmediate(r));
      next.push(batch.send<string | null>('get', [`${prefix}:n8`]));
      expect(await Promise.all(next)).toEqual(['7', '8']);
      expect(flushes).toBe(4);
    } finally {
      redis.stream.write = write;
    }
  });

  it('sends a batch at once when its arguments reach FLUSH_BYTES, the rest at the end of the turn, all in order', async () => {
    const batch = new TurnBatch(redis);
    const writes: number[] = [];
    const write = redis.stream.write.bind(redis.stream);
    redis.stream.write = ((...args: Parameters<typeof write>) => {
      writes.push(Buffer.byteLength(args[0]));
      return write(...args);
    }) as typeof write;
    try {
      const value = (i: number) => `${i}:`.padEnd(1000, 'x');
      const perSet = `${prefix}:big00`.length + 1000;
      const n = Math.ceil(FLUSH_BYTES / perSet) + 4;
      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < n; i++) {
        calls.push(batch.send('set', [`${prefix}:big${String(i).padStart(2, '0')}`, value(i)]));
        // Sent as soon as the arguments reach the limit, in the same turn: Redis can start on them meanwhile.
        if (i === n - 5) expect(writes).toHaveLength(1);
      }
      calls.push(batch.send('get', [`${prefix}:big${String(n - 1).padStart(2, '0')}`]));
      expect(writes).toHaveLength(1);
      expect(writes[0]).toBeGreaterThanOrEqual(FLUSH_BYTES);
      const answers = await Promise.all(calls);
      // The four SETs left and the GET went at the end of the turn; the GET, sent after the last SET, sees its value.
      expect(writes).toHaveLength(2);
      expect(answers.slice(0, n)).toEqual(Array(n).fill('OK'));
      expect(answers[n]).toBe(value(n - 1));
    } finally {
      redis.stream.write = write;
    }
  });

  it("passes Redis's errors on to the call that caused them, and only to it", async () => {
    const batch = new TurnBatch(redis);
    await redis.hset(`${prefix}:h`, 'f', '1');
    const [wrong, fine] = await Promise.allSettled([batch.send('get', [`${prefix}:h`]), batch.send('get', [`${prefix}:k`])]);
    expect(wrong).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/^WRONGTYPE/) } });
    expect(fine).toEqual({ status: 'fulfilled', value: 'v' });
  });

  it('runs a script Redis does not have with its text, then by its digest again', async () => {
    const batch = new TurnBatch(redis);
    // A script no one has loaded (its text is new): what Redis knows after a restart or a SCRIPT FLUSH.
    const lua = `-- ${prefix}\n${readFileSync(new URL('../fixtures/echo.lua', import.meta.url), 'utf8')}`;
    const sha = createHash('sha1').update(lua).digest('hex');
    const echo: Script<{ key: string; value: string }, [number, string]> = {
      name: 'echo', source: { name: 'echo', lua, sha, numberOfKeys: 1 }, build: (_k, i) => ({ keys: [i.key], argv: [i.value] }),
    };
    const script = new HotScript(batch, createKeys(prefix), echo);
    const sent: string[] = [];
    const send = redis.sendCommand.bind(redis);
    const spy = vi.spyOn(redis, 'sendCommand').mockImplementation((cmd, stream) => {
      sent.push(cmd.name);
      return send(cmd, stream);
    });
    try {
      expect(await redis.script('EXISTS', sha)).toEqual([0]);
      expect(await script.call({ key: `${prefix}:s1`, value: 'first' })).toEqual([0, 'first']);
      expect(sent.filter((n) => n !== 'script')).toEqual(['evalsha', 'eval']);
      // Loaded now (EVAL sent the script itself): the next call goes by its digest alone.
      expect(await script.call({ key: `${prefix}:s2`, value: 'second' })).toEqual([0, 'second']);
      expect(sent.filter((n) => n !== 'script')).toEqual(['evalsha', 'eval', 'evalsha']);
      expect(await redis.mget(`${prefix}:s1`, `${prefix}:s2`)).toEqual(['first', 'second']);
    } finally {
      spy.mockRestore();
    }
  });

  it('sends a call again when its connection drops before the answer (ioredis resends it through the batch)', async () => {
    const conn = new Redis(TEST_REDIS_URL, { lazyConnect: true, retryStrategy: () => 50 });
    await conn.connect();
    try {
      const batch = new TurnBatch(conn);
      const list = `${prefix}:list`;
      const popped = batch.send<[string, string] | null>('blpop', [list, '5']);
      const id = await conn.client('ID');
      const clients = async (...only: string[]) => String(await redis.client('LIST', ...(only as ['ID', string])));
      await until(async () => (await clients('ID', String(id))).includes('cmd=blpop'));
      await redis.client('KILL', 'ID', String(id));
      // Resent on the new connection: it waits there for the push.
      await until(async () => (await clients()).split('\n').some((l) => l.includes('cmd=blpop') && !l.includes(`id=${id} `)));
      await redis.rpush(list, 'item');
      expect(await popped).toEqual([list, 'item']);
    } finally {
      conn.disconnect();
    }
  });

  it('refuses calls at once when the connection is closed', async () => {
    const other = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    await other.connect();
    const batch = new TurnBatch(other);
    other.disconnect();
    await expect(batch.send('get', [`${prefix}:k`])).rejects.toThrow(/Connection is closed|Stream isn't writeable/);
  });
});
