import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { estimateUsd, priceUsd } from '../../src/services/prices.js';
import { SecretBox } from '../../src/services/secrets.js';
import { createWebhookAgent, postWebhook, retryDelayMs, signature } from '../../src/services/webhooks.js';

describe('webhook signing', () => {
  it('signs "t.body" with HMAC-SHA256, hex, and names the time', () => {
    const sig = signature('s3cret-0123456789abcdef', '{"id":1}', 1700000000);
    const hex = createHmac('sha256', 's3cret-0123456789abcdef').update('1700000000.{"id":1}').digest('hex');
    expect(sig).toBe(`t=1700000000,v1=${hex}`);
  });
});

describe('webhook backoff', () => {
  it('doubles from the base with 50-100 % jitter, up to the cap', () => {
    expect(retryDelayMs(1, 1000, 60_000, 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, 1)).toBe(8000);
    expect(retryDelayMs(40, 1000, 60_000, 1)).toBe(60_000);
    expect(retryDelayMs(40, 1000, 60_000, 0)).toBe(30_000);
  });
});

describe('sealed webhook secrets', () => {
  it('round-trips under the same key material and is unreadable under another', () => {
    const sealed = new SecretBox('admin-token-0123456789').seal('whsec-0123456789abcdef');
    expect(sealed).not.toContain('whsec');
    expect(new SecretBox('admin-token-0123456789').open(sealed)).toBe('whsec-0123456789abcdef');
    expect(new SecretBox('another-token-0123456789').open(sealed)).toBeNull();
    expect(new SecretBox(undefined).enabled).toBe(false);
  });
});

describe('the delivery-time address check', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => res.writeHead(req.url === '/moved' ? 302 : 200, { location: 'http://169.254.169.254/' }).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const opts = { allowPrivate: false, timeoutMs: 1000 };

  it('refuses loopback literals and names, unless private callbacks are allowed', async () => {
    const agent = createWebhookAgent(opts);
    expect((await postWebhook(agent, `http://127.0.0.1:${port}/`, '{}', {}, opts)).error).toMatch(/refused/);
    expect((await postWebhook(agent, `http://[::1]:${port}/`, '{}', {}, opts)).error).toMatch(/refused/);
    expect((await postWebhook(agent, `http://localhost:${port}/`, '{}', {}, opts)).error).toMatch(/refused/);
    const open = { allowPrivate: true, timeoutMs: 1000 };
    expect(await postWebhook(createWebhookAgent(open), `http://127.0.0.1:${port}/`, '{}', {}, open)).toMatchObject({ statusCode: 200, error: null });
    await agent.close();
  });

  it('checks the address it connects to (a name that rebinds to a private address is refused)', async () => {
    const seen: string[] = [];
    const rebinding = { ...opts, resolve: (host: string, cb: (e: Error | null, a: Array<{ address: string; family: number }>) => void) => {
      seen.push(host);
      cb(null, [{ address: '127.0.0.1', family: 4 }]);
    } };
    const agent = createWebhookAgent(rebinding);
    const out = await postWebhook(agent, `http://hooks.example.com:${port}/`, '{}', {}, rebinding);
    expect(out.statusCode).toBeNull();
    expect(out.error).toMatch(/refused: hooks\.example\.com resolves to 127\.0\.0\.1/);
    expect(seen).toEqual(['hooks.example.com']);
    await agent.close();
  });

  it('does not follow redirects: a 302 is a failed attempt', async () => {
    const open = { allowPrivate: true, timeoutMs: 1000 };
    expect(await postWebhook(createWebhookAgent(open), `http://127.0.0.1:${port}/moved`, '{}', {}, open)).toMatchObject({ statusCode: 302, error: 'answered 302' });
  });
});

describe('prices', () => {
  const config = parseConfig(JSON.stringify({
    providers: [{ id: 'lx', type: 'legnext', apiKey: 'k' }, { id: 'am', type: 'apimart', apiKey: 'k' }, { id: 'vt', type: 'aggregator', apiKey: 'k' }],
    prices: { am: { imagine: 0.05 }, aggregator: { video: 0.5 } },
  }), {});

  it('defaults to the Legnext list (points / 1000) and takes overrides by id, then type', () => {
    expect(priceUsd(config, 'lx', 'imagine')).toBe(0.08);
    expect(priceUsd(config, 'lx', 'upscale')).toBe(0.12);
    expect(priceUsd(config, 'lx', 'describe')).toBe(0.02);
    expect(priceUsd(config, 'lx', 'video')).toBe(0.48);
    expect(priceUsd(config, 'am', 'imagine')).toBe(0.05);
    expect(priceUsd(config, 'vt', 'video')).toBe(0.5);
    expect(estimateUsd(config, ['lx', 'am'], 'imagine')).toBe(0.08);
  });

  it('refuses a price table for an unknown provider', () => {
    expect(() => parseConfig(JSON.stringify({ prices: { nope: { imagine: 1 } } }), {})).toThrow(/prices\.nope: not a provider id or type/);
  });
});
