/**
 * What a submit costs in Redis: ONE Lua call (the idempotency claim, the budget reservation, the task, its indexes and
 * its intake entry), after the auth hook's rate-limit call when the process holds no lease of admissions for the
 * tenant, and no BullMQ command in the API process. Counted on the server with MONITOR, for this test's key prefix only.
 */
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask } from '../../src/store/scripts.js';
import { api, nextSecond, startGateway, TEST_REDIS_URL, type TestGateway } from '../helpers/gateway.js';

const KEY = 'submit-path-key-0123456789abcdef';
const CREATE_SHA = createTask.source.sha;

describe('the submit path', () => {
  let gw: TestGateway;
  let observer: Redis;
  const post = (body: unknown, headers?: Record<string, string>) => api(gw.url, 'POST', '/v1/tasks', { key: KEY, body, headers });

  beforeAll(async () => {
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }],
      tenants: [{ id: 'path', apiKeys: [KEY], monthlyBudgetUsd: 0.45 }],
      workers: false,
    });
    observer = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await observer?.quit();
    await gw?.close();
  });

  /**
   * Every command clients sent with a key under this gateway's prefix while `fn` ran (not those run inside Lua), from
   * MONITOR on a plain socket (ioredis's monitor mode loses track of its replies under heavy traffic from others).
   */
  async function commandsDuring(fn: () => Promise<unknown>): Promise<string[][]> {
    const { hostname, port } = new URL(TEST_REDIS_URL);
    const socket = connect(Number(port || 6379), hostname);
    const marker = `end-of-${gw.config.keyPrefix}`;
    const seen: string[][] = [];
    let buffered = '';
    let started!: () => void;
    let ended!: () => void;
    const monitoring = new Promise<void>((resolve) => (started = resolve));
    const done = new Promise<void>((resolve) => (ended = resolve));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\r\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '+OK') started();
        // +<time> [<db> <client address> | <db> lua] "command" "arg" ...
        const m = /^\+[\d.]+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
        if (!m) continue;
        const args = [...m[2]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((a) => a[1]!);
        if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) ended();
        else if (m[1] !== 'lua' && args.some((a) => a.includes(`${gw.config.keyPrefix}:`))) seen.push(args);
      }
    });
    try {
      socket.write('MONITOR\r\n');
      await monitoring;
      await fn();
      // MONITOR reports in execution order: once the marker is seen, everything sent before it has been.
      await observer.echo(marker);
      await done;
    } finally {
      socket.destroy();
    }
    return seen;
  }

  const isCreate = (args: string[]) => args[0]?.toLowerCase() === 'evalsha' && args[1] === CREATE_SHA;

  it('is the rate limit and one Lua call, and no BullMQ command; only the Lua call while a lease lasts', async () => {
    expect((await post({ action: 'imagine', prompt: 'warm up' })).status).toBe(202); // scripts loaded, key cached
    // Early in a fresh second: what the process held has ended, and the three posts below share one second.
    await nextSecond();
    const statuses: number[] = [];
    const perPost: string[][][] = [];
    for (let i = 0; i < 3; i++) {
      perPost.push(await commandsDuring(async () => {
        statuses.push((await post({ action: 'imagine', prompt: `counted ${i}` })).status);
      }));
    }
    expect(statuses).toEqual([202, 202, 202]);
    const rateCalls = (sent: string[][]) => sent.filter((a) => a.includes(gw.keys.rateWindow('path')));
    // 1st: the rate-limit call (one admission), then the create call.
    expect(perPost[0]).toHaveLength(2);
    expect(rateCalls(perPost[0]!)).toHaveLength(1);
    expect(perPost[0]!.filter(isCreate)).toHaveLength(1);
    // 2nd: the first admission ran out within its second, so the call asks for two; the 3rd takes the second of them.
    expect(rateCalls(perPost[1]!)).toHaveLength(1);
    expect(perPost[1]!.find((a) => a.includes(gw.keys.rateWindow('path')))!.at(-1)).toBe('2');
    expect(perPost[2]).toHaveLength(1);
    expect(perPost[2]!.filter(isCreate)).toHaveLength(1);
    expect(perPost.flat(2).some((a) => a.includes(':bull:'))).toBe(false);
    // The create call names every key it writes: the task, its indexes, the reservation and the intake list.
    const create = perPost[0]!.find(isCreate)!;
    expect(create).toEqual(expect.arrayContaining([gw.keys.intake, gw.keys.reservations, gw.keys.unqueued, gw.keys.active]));
  });

  it('is one Lua call with an Idempotency-Key too, for the first request, a repeat, and a refusal past the budget', async () => {
    const headers = { 'idempotency-key': `path-${Date.now()}` };
    for (const expected of [202, 200]) {
      let status = 0;
      await nextSecond(); // no lease in hand: the rate-limit call is made
      const sent = await commandsDuring(async () => {
        status = (await post({ action: 'imagine', prompt: 'idem' }, headers)).status;
      });
      expect(status).toBe(expected);
      // A repeat reads the first task's document afterwards: one GET, no write.
      expect(sent.filter(isCreate)).toHaveLength(1);
      expect(sent.filter((a) => !isCreate(a) && a[0]?.toLowerCase() !== 'get')).toHaveLength(1);
    }
    // $0.08 each: five were accepted ($0.40); a sixth would pass $0.45.
    let refused: { status: number; body: { error: { code: string } } } | undefined;
    await nextSecond();
    const sent = await commandsDuring(async () => {
      refused = await post({ action: 'imagine', prompt: 'too much' });
    });
    expect(refused).toMatchObject({ status: 402, body: { error: { code: 'budget_exceeded' } } });
    expect(sent).toHaveLength(2);
    expect(sent.filter(isCreate)).toHaveLength(1);
  });
});
