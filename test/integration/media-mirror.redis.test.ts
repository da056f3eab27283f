/**
 * Mirroring: a succeeded task's files are copied from the provider (the simulator serves real PNGs) into the local
 * store, the task answers with gateway links that keep working after the provider forgets the files, and a file that
 * cannot be copied keeps its upstream URL with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { openDownload } from '../../src/services/media-fetch.js';
import { api, freePort, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { fetchBytes, MEDIA_SECRET, tempMediaDir } from '../helpers/media.js';

const KEY = TENANT_A_KEY;
const MAX = 256 * 1024;

describe('mirroring task outputs', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let store: Awaited<ReturnType<typeof tempMediaDir>>;
  const run = async (body: Record<string, unknown>) => {
    const res = await api(gw.url, 'POST', '/v1/tasks', { key: KEY, body });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return waitForTask(gw.url, KEY, res.body.id, 20_000);
  };

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk', serveFiles: true });
    sim.state.behaviour.jobDurationMs = 60;
    store = await tempMediaDir();
    const port = await freePort();
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }],
      config: { port, publicUrl: `http://127.0.0.1:${port}`, media: { dir: store.dir, maxBytes: MAX, signingSecret: MEDIA_SECRET, allowPrivateHosts: true, downloadTimeoutMs: 5000 } },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
    await store?.remove();
  });

  it('serves the grid and images from the gateway, keeps the upstream URLs, and follow-ups still work', async () => {
    const t = await run({ action: 'imagine', prompt: 'a lighthouse' });
    expect(t.status).toBe('succeeded');
    const out = t.output as typeof t.output & { upstream: { gridImageUrl: string; imageUrls: string[] }; mirrorError?: string };
    expect(out.mirrorError).toBeUndefined();
    expect(out.upstream.gridImageUrl).toMatch(new RegExp(`^${sim.url}/files/cdn\\.legnext\\.sim/temp/`));
    expect(out.upstream.imageUrls).toHaveLength(4);
    const mine = [out.gridImageUrl!, ...out.imageUrls];
    for (const u of mine) expect(u.startsWith(`${gw.url}/media/med_`)).toBe(true);
    const originals = await Promise.all([out.upstream.gridImageUrl, ...out.upstream.imageUrls].map((u) => fetchBytes(u)));
    const copies = await Promise.all(mine.map((u) => fetchBytes(u)));
    copies.forEach((c, i) => {
      expect(c.status).toBe(200);
      expect(c.headers['content-type']).toBe('image/png');
      expect(c.body.equals(originals[i]!.body)).toBe(true);
    });
    expect((await gw.rt.media.store.usage('tenant-a')).count).toBe(5);

    const up = await run({ action: 'upscale', taskId: t.id, index: 2 });
    expect(up.status).toBe('succeeded');
    expect(up.output!.imageUrls[0]!.startsWith(`${gw.url}/media/`)).toBe(true);
    const sent = sim.state.requests.find((r) => r.path === '/api/v1/upscale')!.body as { jobId: string };
    expect(sent.jobId).toBe(t.upstreamId);
  });

  it('keeps the upstream URLs and says why when files cannot be copied, and the task still succeeds', async () => {
    sim.state.fileBytes = MAX + 1;
    try {
      const t = await run({ action: 'imagine', prompt: 'a storm' });
      expect(t.status).toBe('succeeded');
      const out = t.output as typeof t.output & { upstream: { imageUrls: string[] }; mirrorError: string };
      expect(out.imageUrls).toEqual(out.upstream.imageUrls);
      expect(out.mirrorError).toMatch(/imageUrls\.0: .*media\.maxBytes/);
    } finally {
      sim.state.fileBytes = 0;
    }
    expect((await store.files()).filter((f) => !f.startsWith('med_'))).toEqual([]);
  });

  it('still serves mirrored files once the provider has forgotten them', async () => {
    const t = await run({ action: 'imagine', prompt: 'a harbour' });
    const upstream = (t.output as { upstream: { imageUrls: string[] } }).upstream.imageUrls[0]!;
    await sim.close();
    await expect(fetchBytes(upstream)).rejects.toThrow();
    const copy = await fetchBytes(t.output!.imageUrls[0]!);
    expect(copy.status).toBe(200);
    expect(copy.body.subarray(1, 4).toString()).toBe('PNG');
    sim = await startLegnextSimulator({ apiKey: 'lk', serveFiles: true });
  });
});

describe('mirror downloads', () => {
  it('refuse private addresses unless allowed', async () => {
    const agent = new Agent();
    const limits = { agent, maxBytes: 1024, timeoutMs: 2000, allowPrivate: false };
    await expect(openDownload('http://127.0.0.1:9/a.png', limits)).rejects.toThrow(/private or reserved/);
    await expect(openDownload('http://169.254.169.254/latest/meta-data', limits)).rejects.toThrow(/private or reserved/);
    await expect(openDownload('file:///etc/passwd', limits)).rejects.toThrow(/not fetched/);
    await agent.close();
  });
});
