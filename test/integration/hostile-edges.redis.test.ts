/**
 * Hostile edges of the HTTP server: oversized headers, malformed framing, a body that never finishes arriving, JSON
 * nested deep enough to exhaust the stack, and provider callback tokens in the request log.
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startGateway, TENANT_A_KEY, type TestGateway } from '../helpers/gateway.js';

/** Sends raw bytes and reads the whole answer until the server closes the connection. */
function raw(url: string, bytes: string): Promise<{ status: number; body: string; ms: number }> {
  const { port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (d) => (text += String(d)));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), body: text.slice(text.indexOf('\r\n\r\n') + 4), ms: Date.now() - started }));
  });
}

describe('hostile requests', () => {
  let gw: TestGateway;
  afterEach(async () => gw?.close());

  it('answers headers over the limit with 431 and the error envelope', async () => {
    gw = await startGateway({ workers: false });
    const res = await raw(gw.url, `GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'invalid_request', message: expect.stringMatching(/headers are larger/) } });
  });

  it('answers malformed framing with 400 and the error envelope', async () => {
    gw = await startGateway({ workers: false });
    const res = await raw(gw.url, 'POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('invalid_request');
  });

  it('gives up on a body shorter than its Content-Length well before 30 s, with a 408 envelope', async () => {
    gw = await startGateway({ workers: false });
    const res = await raw(gw.url, `POST /v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TENANT_A_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body).error.message).toMatch(/Content-Length/);
    expect(res.ms).toBeLessThan(25_000);
  }, 40_000);

  it('refuses metadata nested thousands deep with 400, not 500', async () => {
    gw = await startGateway({ workers: false, providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }] });
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const res = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, raw: `{"action":"imagine","prompt":"x","metadata":${deep}}` });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/deeper than 64/);
    // Strings full of brackets are not nesting.
    const ok = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'x', metadata: { s: '{'.repeat(500) } } });
    expect(ok.status).toBe(202);
  });

  it('keeps provider callback tokens out of the request log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) });
    gw = await startGateway({ workers: false, logger: pino({ level: 'info' }, sink) });
    const token = 'cbtoken-must-not-be-logged-0123456789';
    const res = await api(gw.url, 'POST', `/v1/callbacks/legnext-main/${token}?x=1`, { body: {} });
    expect(res.status).toBe(404);
    const log = lines.join('');
    expect(log).toMatch(/\/v1\/callbacks\/legnext-main\/\[redacted\]/);
    expect(log).not.toContain(token);
  });
});
