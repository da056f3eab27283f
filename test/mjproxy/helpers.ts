/** midjourney-proxy clients as tests: calls with `mj-api-secret` (or Bearer), polling fetch until a status. */
import { expect } from 'vitest';
import { api, type ApiAnswer } from '../helpers/gateway.js';

export interface Client { base: string; headers: Record<string, string> }

/** chatgpt-web-midjourney-proxy sends `mj-api-secret`; new-api sends `Authorization: Bearer`. */
export const secretClient = (base: string, key: string): Client => ({ base, headers: { 'mj-api-secret': key } });
export const bearerClient = (base: string, key: string): Client => ({ base, headers: { authorization: `Bearer ${key}` } });

export const mj = <T = any>(c: Client, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> =>
  api<T>(c.base, method, path, { headers: c.headers, body });

/** Submits and expects code 1 (or `code`), returning the answer's result. */
export async function submitted(c: Client, path: string, body: unknown, code = 1): Promise<string> {
  const res = await mj(c, 'POST', path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.code, JSON.stringify(res.body)).toBe(code);
  expect(res.body.result).toMatch(/^tsk_/);
  return res.body.result as string;
}

const ENDED = new Set(['SUCCESS', 'FAILURE', 'CANCEL']);

/** Polls `GET /mj/task/{id}/fetch` as the chat client does, until the task ends (or `until` holds). */
export async function fetchUntil(c: Client, id: string, until: (vo: any) => boolean = (vo) => ENDED.has(vo.status), timeoutMs = 15_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    const res = await mj(c, 'GET', `/mj/task/${id}/fetch`);
    last = res.body;
    if (res.status === 200 && until(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`task ${id} did not get there in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** Runs a submit to SUCCESS and returns its VO. */
export async function succeeds(c: Client, path: string, body: unknown): Promise<any> {
  const id = await submitted(c, path, body);
  const vo = await fetchUntil(c, id);
  expect(vo.status, vo.failReason).toBe('SUCCESS');
  return vo;
}

