/**
 * A light fuzz sent all through the chaos: malformed JSON, wrong types, unknown actions, deep nesting, bad ids and
 * headers, and broken HTTP framing on a raw socket. Every answer should be a 4xx (a 503 while Redis is away is
 * allowed); each 5xx is counted with what caused it.
 */
import { connect } from 'node:net';
import { sleep } from '../bench/lib/proc.js';
import { call } from './load.js';

/** `{"a":{"a":…1…}}` nested `n` deep, as text (JSON.stringify itself would overflow the stack). */
const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

/** [name, method, path, headers, body] of each request shape. */
const CASES: Array<[string, string, string, Record<string, string>, string | undefined]> = [
  ['broken json', 'POST', '/v1/tasks', { 'content-type': 'application/json' }, '{"action": "imagine", "prompt": '],
  ['wrong type', 'POST', '/v1/tasks', { 'content-type': 'application/json' }, JSON.stringify({ action: 'imagine', prompt: 42 })],
  ['unknown action', 'POST', '/v1/tasks', { 'content-type': 'application/json' }, JSON.stringify({ action: 'teleport' })],
  ['index out of range', 'POST', '/v1/tasks', { 'content-type': 'application/json' }, JSON.stringify({ action: 'upscale', taskId: 'tsk_x', index: 9 })],
  ['deep metadata', 'POST', '/v1/tasks', { 'content-type': 'application/json' }, `{"action":"imagine","prompt":"x","metadata":${deep(5000)}}`],
  ['text body', 'POST', '/v1/tasks', { 'content-type': 'text/plain' }, 'imagine a cat'],
  ['bad callback', 'POST', '/v1/tasks', { 'content-type': 'application/json' }, JSON.stringify({ action: 'imagine', prompt: 'x', callbackUrl: 'ftp://[::1' })],
  ['unknown task', 'GET', '/v1/tasks/tsk_does_not_exist', {}, undefined],
  ['odd id', 'GET', `/v1/tasks/${encodeURIComponent('../../%00\u202e')}`, {}, undefined],
  ['bad list query', 'GET', '/v1/tasks?limit=-5&cursor=%%%', {}, undefined],
  ['cancel unknown', 'POST', '/v1/tasks/tsk_nope/cancel', { 'content-type': 'application/json' }, '{}'],
  ['huge header', 'GET', '/v1/tasks', { 'x-filler': 'a'.repeat(20_000) }, undefined],
];

/** Requests with broken framing, written to a raw socket. */
const RAW = [
  'POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  'GET /v1/tasks HTTP/9.9\r\n\r\n',
  'POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
];

export interface FuzzCounts { sent: number; byClass: Record<string, number>; fiveHundreds: Array<{ name: string; status: number }> }

/** The status line of a raw request's answer (0 when the socket closed without one). */
function raw(port: number, text: string): Promise<number> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      s.destroy();
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(got)?.[1] ?? 0));
    };
    s.setTimeout(5000, done);
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done();
    });
    s.on('error', done).on('close', done);
    s.write(text);
  });
}

/** Sends the cases in rotation every `everyMs` until `stopped()`; `authKey` makes them authenticated. */
export async function fuzz(apiUrl: () => string, authKey: string, stopped: () => boolean, everyMs = 400): Promise<FuzzCounts> {
  const out: FuzzCounts = { sent: 0, byClass: {}, fiveHundreds: [] };
  const note = (name: string, status: number) => {
    out.sent++;
    const cls = status === 0 ? 'no answer' : status === 503 ? '503' : `${Math.floor(status / 100)}xx`;
    out.byClass[cls] = (out.byClass[cls] ?? 0) + 1;
    if (status >= 500 && status !== 503) out.fiveHundreds.push({ name, status });
  };
  for (let i = 0; !stopped(); i++, await sleep(everyMs)) {
    const all = CASES.length + RAW.length;
    const k = i % all;
    if (k < CASES.length) {
      const [name, method, path, headers, body] = CASES[k]!;
      const res = await call(`${apiUrl()}${path}`, { method, headers: { authorization: `Bearer ${authKey}`, ...headers }, body }, 8000);
      note(name, res.status);
    } else {
      note(`raw framing ${k - CASES.length}`, await raw(Number(new URL(apiUrl()).port), RAW[k - CASES.length]!));
    }
  }
  return out;
}
