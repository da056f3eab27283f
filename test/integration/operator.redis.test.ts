/** What an operator reads: start-up failures in one line, and a failed task's error naming the cause. */
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/schemas/task.js';
import { startupFailure } from '../../src/startup.js';
import { api, startGateway, TENANT_A_KEY, waitForTask } from '../helpers/gateway.js';

const config = { redisUrl: 'redis://:secret@10.0.0.9:6390/2', host: '0.0.0.0', port: 8080 };

describe('start-up failures', () => {
  it('name the address in one line, without the Redis password', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:6390'), { code: 'ECONNREFUSED', address: '10.0.0.9', port: 6390 });
    expect(startupFailure(refused, config)).toBe('cannot reach Redis at 10.0.0.9:6390 (ECONNREFUSED): start it, or set REDIS_URL / redisUrl');
    expect(startupFailure(new Error('Connection is closed.'), config)).toBe('cannot reach Redis at redis://:***@10.0.0.9:6390/2: start it, or set REDIS_URL / redisUrl');
    const taken = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '0.0.0.0', port: 8080 });
    expect(startupFailure(taken, config)).toMatch(/^cannot listen on 0\.0\.0\.0:8080: the port is already in use/);
    expect(startupFailure(new Error('something else'), config)).toBeNull();
  });
});

describe('a task that runs out of providers', () => {
  it('names the underlying cause of the last failure', async () => {
    const gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }] });
    try {
      const task = (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'x' } })).body;
      const done = await waitForTask(gw.url, TENANT_A_KEY, task.id, 15_000);
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe('no_provider_available');
      expect(done.error?.message).toMatch(/last error at legnext-main: cannot connect to the provider \(ECONNREFUSED\)/);
    } finally {
      await gw.close();
    }
  }, 30_000);
});
