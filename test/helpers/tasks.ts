/** Submit-and-wait helpers over a test gateway (read lazily, so they can be made before `beforeAll` starts it). */
import { expect } from 'vitest';
import type { Task } from '../../src/schemas/task.js';
import { api, TENANT_A_KEY, waitForTask, type TestGateway } from './gateway.js';

type Body = Record<string, unknown>;

export function taskClient(gateway: () => TestGateway, key = TENANT_A_KEY) {
  /** Submits and expects 202; `as` is another tenant's key. */
  const submit = async (body: Body, as = key): Promise<Task> => {
    const res = await api<Task>(gateway().url, 'POST', '/v1/tasks', { key: as, body });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body;
  };
  /** Submits and waits for a final status. */
  const run = async (body: Body, as = key): Promise<Task> => waitForTask(gateway().url, as, (await submit(body, as)).id);
  return { submit, run };
}
