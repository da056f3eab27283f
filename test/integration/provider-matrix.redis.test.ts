/**
 * Every canonical action against every provider that supports it, through the gateway (real HTTP, Redis, BullMQ),
 * asserting the exact upstream calls and the normalised task.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAggregatorSimulator } from '../../providers/aggregator/simulator.js';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

type Pid = 'legnext-main' | 'apimart' | 'vtrix';
const KEY = TENANT_A_KEY;
const ADMIN = 'admin-token-matrix-0123456789';
const IMG = 'https://images.example.com/a.png';
const IMG2 = 'https://images.example.com/b.png';
const AREAS = [{ width: 1024, height: 1024, points: [0, 0, 500, 0, 500, 500, 0, 500] }];

describe('the action catalogue on every provider', () => {
  const sims = {} as Record<Pid, Simulator>;
  let gw: TestGateway;

  beforeAll(async () => {
    sims['legnext-main'] = await startLegnextSimulator({ apiKey: 'lk' });
    sims.apimart = await startApimartSimulator({ apiKey: 'ak' });
    sims.vtrix = await startAggregatorSimulator({ apiKey: 'vk' });
    gw = await startGateway({
      providers: [
        { id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sims['legnext-main'].url}/api` },
        { id: 'apimart', type: 'apimart', apiKey: 'ak', baseUrl: sims.apimart.url, priority: 2 },
        { id: 'vtrix', type: 'aggregator', apiKey: 'vk', baseUrl: sims.vtrix.url, priority: 3 },
      ],
      config: { adminToken: ADMIN },
    });
  });
  beforeEach(() => {
    for (const s of Object.values(sims)) {
      s.state.reset();
      s.state.behaviour.jobDurationMs = 40;
    }
  });
  afterAll(async () => {
    await gw?.close();
    for (const s of Object.values(sims)) await s?.close();
  });

  const submit = (body: Record<string, unknown>) => api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body });
  const run = async (body: Record<string, unknown>): Promise<Task> => {
    const res = await submit(body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const t = await waitForTask(gw.url, KEY, res.body.id, 10_000);
    expect(t.status, JSON.stringify(t.error)).toBe('succeeded');
    return t;
  };
  /** POSTs the provider received since the last reset, as [path, body]. */
  const calls = (pid: Pid) => sims[pid].state.requests.filter((r) => r.method === 'POST').map((r) => [r.path, r.body]);
  const parentOn = async (pid: Pid) => {
    const parent = await run({ action: 'imagine', prompt: `parent on ${pid}`, provider: pid });
    sims[pid].state.requests.length = 0;
    return parent;
  };

  describe('Legnext', () => {
    const pid = 'legnext-main';
    it('imagine → /v1/diffusion with image prompts first', async () => {
      const t = await run({ action: 'imagine', prompt: 'a bay', imageUrls: [IMG], provider: pid });
      expect(calls(pid)).toEqual([['/api/v1/diffusion', { text: `${IMG} a bay` }]]);
      expect(t.output?.imageUrls).toHaveLength(4);
    });

    it('follow-ups carry jobId, imageNo 0-3 and the documented numbers', async () => {
      const p = await parentOn(pid);
      const jobId = p.upstreamId;
      await run({ action: 'remix', taskId: p.id, index: 2, prompt: 'in winter', strength: 'subtle' });
      await run({ action: 'pan', taskId: p.id, index: 1, direction: 'up', scale: 2.5, prompt: 'sky' });
      await run({ action: 'zoom', taskId: p.id, index: 4, scale: 1.5 });
      await run({ action: 'inpaint', taskId: p.id, index: 3, mask: { areas: AREAS }, prompt: 'a hat' });
      await run({ action: 'inpaint', taskId: p.id, index: 1, mask: { url: IMG2 } });
      const video = await run({ action: 'video', taskId: p.id, index: 2, prompt: 'slow pan', resolution: '720p' });
      expect(calls(pid)).toEqual([
        ['/api/v1/remix', { jobId, imageNo: 1, remixPrompt: 'in winter', mode: 1 }],
        ['/api/v1/pan', { jobId, imageNo: 0, direction: 2, scale: 2.5, remixPrompt: 'sky' }],
        ['/api/v1/outpaint', { jobId, imageNo: 3, scale: 1.5 }],
        ['/api/v1/inpaint', { jobId, imageNo: 2, mask: { areas: AREAS }, remixPrompt: 'a hat' }],
        ['/api/v1/inpaint', { jobId, imageNo: 0, mask: { url: IMG2 } }],
        ['/api/v1/video-diffusion', { jobId, imageNo: 1, prompt: 'slow pan', videoType: 1 }],
      ]);
      expect(video.output?.videoUrls).toHaveLength(4);
    });

    it('blend, describe, shorten and video from an image URL', async () => {
      await run({ action: 'blend', imageUrls: [IMG, IMG2, IMG], aspectRatio: '3:2', provider: pid });
      const d = await run({ action: 'describe', imageUrl: IMG, provider: pid });
      const s = await run({ action: 'shorten', prompt: 'a very long and winding prompt', provider: pid });
      await run({ action: 'video', imageUrl: IMG, prompt: 'waves', provider: pid });
      expect(calls(pid)).toEqual([
        ['/api/v1/blend', { imgUrls: [IMG, IMG2, IMG], aspect_ratio: '3:2' }],
        ['/api/v1/describe', { imgUrl: IMG }],
        ['/api/v1/shorten', { prompt: 'a very long and winding prompt' }],
        ['/api/v1/video-diffusion', { prompt: `${IMG} waves`, videoType: 0 }],
      ]);
      expect(d.output?.prompts).toHaveLength(4);
      expect(s.output?.prompts).toHaveLength(4);
    });
  });

  describe('APIMart', () => {
    const pid = 'apimart';
    it('imagine always sends speed (its own default is relax)', async () => {
      await run({ action: 'imagine', prompt: 'a bay', provider: pid });
      await run({ action: 'imagine', prompt: 'a bay --relax', provider: pid });
      expect(calls(pid)).toEqual([
        ['/v1/midjourney/generations/imagine', { prompt: 'a bay', speed: 'fast' }],
        ['/v1/midjourney/generations/imagine', { prompt: 'a bay', speed: 'relax' }],
      ]);
    });

    it('keeps index 1-4, maps strength to endpoints, and remix to remix-strong/subtle', async () => {
      const p = await parentOn(pid);
      const task_id = p.upstreamId;
      await run({ action: 'variation', taskId: p.id, index: 2, speed: 'turbo' });
      await run({ action: 'variation', taskId: p.id, index: 3, strength: 'strong' });
      await run({ action: 'upscale', taskId: p.id, index: 4 });
      await run({ action: 'reroll', taskId: p.id });
      await run({ action: 'remix', taskId: p.id, index: 1, prompt: 'at night' });
      expect(calls(pid)).toEqual([
        ['/v1/midjourney/generations/variation', { task_id, index: 2, speed: 'turbo' }],
        ['/v1/midjourney/generations/high-variation', { task_id, index: 3, speed: 'fast' }],
        ['/v1/midjourney/generations/upscale', { task_id, index: 4, speed: 'fast' }],
        ['/v1/midjourney/generations/reroll', { task_id, speed: 'fast' }],
        ['/v1/midjourney/generations/remix-strong', { task_id, index: 1, prompt: 'at night', speed: 'fast' }],
      ]);
    });

    it('upscales first when pan/zoom need an upscaled parent, inside one client task', async () => {
      const p = await parentOn(pid);
      const pan = await run({ action: 'pan', taskId: p.id, index: 2, direction: 'left' });
      const c = calls(pid);
      expect(c[0]).toEqual(['/v1/midjourney/generations/upscale', { task_id: p.upstreamId, index: 2, speed: 'fast' }]);
      expect(c[1]![0]).toBe('/v1/midjourney/generations/pan');
      expect(c[1]![1]).toMatchObject({ direction: 'left', speed: 'fast' });
      expect(c).toHaveLength(2);
      expect(pan.upstreamId).not.toBe(p.upstreamId);
      expect(pan.output?.imageUrls.length).toBeGreaterThan(0);
    });

    it('runs inpaint as inpaint → MODAL → modal with the mask, as one client task', async () => {
      const p = await parentOn(pid);
      const up = await run({ action: 'upscale', taskId: p.id, index: 1 });
      sims.apimart.state.requests.length = 0;
      const t = await run({ action: 'inpaint', taskId: up.id, index: 1, mask: { url: IMG2 }, prompt: 'a red door' });
      const c = calls(pid);
      expect(c.map((x) => x[0])).toEqual(['/v1/midjourney/generations/inpaint', '/v1/midjourney/generations/modal']);
      expect(c[1]![1]).toEqual({ task_id: t.upstreamId, prompt: 'a red door', mask_url: IMG2 });
      expect(t.output?.imageUrls).toHaveLength(4);
    });

    it('blend maps the aspect ratio to dimensions; describe splits the numbered prompts', async () => {
      await run({ action: 'blend', imageUrls: [IMG, IMG2], aspectRatio: '2:3', provider: pid });
      const d = await run({ action: 'describe', imageUrl: IMG, provider: pid });
      expect(calls(pid)).toEqual([
        ['/v1/midjourney/generations/blend', { image_urls: [IMG, IMG2], dimensions: 'PORTRAIT', speed: 'fast' }],
        ['/v1/midjourney/generations/describe', { image_urls: [IMG], speed: 'fast' }],
      ]);
      expect(d.output?.prompts).toHaveLength(4);
      for (const p of d.output!.prompts) expect(p).not.toMatch(/[1-4]\uFE0F?\u20E3/);
    });

    it('video from a parent uses index 0-3 and no speed field', async () => {
      const p = await parentOn(pid);
      const v = await run({ action: 'video', taskId: p.id, index: 3, prompt: 'drift' });
      expect(calls(pid)).toEqual([['/v1/midjourney/generations/video', { task_id: p.upstreamId, index: 2, prompt: 'drift', video_type: 'vid_1.1_i2v_480' }]]);
      expect(v.output?.videoUrls.length).toBeGreaterThan(0);
    });

    it('is never sent what it cannot do: shorten, polygon masks, five-image blends', async () => {
      const shorten = await submit({ action: 'shorten', prompt: 'x', provider: pid });
      expect(shorten.status).toBe(422);
      expect(shorten.body).toMatchObject({ error: { code: 'action_not_supported' } });
      expect(JSON.stringify(shorten.body)).toMatch(/APIMart has no shorten/);
      const blend = await submit({ action: 'blend', imageUrls: [IMG, IMG, IMG, IMG, IMG], provider: pid });
      expect(blend.status).toBe(422);
      expect(calls(pid)).toEqual([]);
    });
  });

  describe('the aggregator (model per action)', () => {
    const pid = 'vtrix';
    it('imagine → model midjourney_diffusion with text, flat body, Bearer auth', async () => {
      await run({ action: 'imagine', prompt: 'a bay', provider: pid });
      expect(calls(pid)).toEqual([['/model/v1/generation', { model: 'midjourney_diffusion', text: 'a bay' }]]);
      expect(sims.vtrix.state.requests[0]!.headers.authorization).toBe('Bearer vk');
    });

    it("follow-ups send the upstream jobId from the parent's output, imageNo 0-3 and type", async () => {
      const p = await parentOn(pid);
      await run({ action: 'variation', taskId: p.id, index: 2, strength: 'strong' });
      await run({ action: 'upscale', taskId: p.id, index: 1, mode: 'creative' });
      const [v, u] = (calls(pid) as Array<[string, Record<string, unknown>]>).map(([, body]) => body);
      expect(v).toMatchObject({ model: 'midjourney_variation', imageNo: 1, type: 1 });
      expect(u).toMatchObject({ model: 'midjourney_upscale', imageNo: 0, type: 1 });
      expect(v!.jobId).toBeTypeOf('string');
      expect(v!.jobId).not.toBe(p.upstreamId); // the remote job id, not the aggregator's task id [I]
    });

    it('runs the rest of the catalogue under its model ids with Legnext-style params', async () => {
      const p = await parentOn(pid);
      for (const body of [
        { action: 'reroll', taskId: p.id },
        { action: 'remix', taskId: p.id, index: 4, prompt: 'in fog' },
        { action: 'pan', taskId: p.id, index: 1, direction: 'right' },
        { action: 'zoom', taskId: p.id, index: 2 },
        { action: 'inpaint', taskId: p.id, index: 3, mask: { areas: AREAS } },
        { action: 'video', taskId: p.id, index: 1 },
        { action: 'blend', imageUrls: [IMG, IMG2], provider: pid },
        { action: 'describe', imageUrl: IMG, provider: pid },
        { action: 'shorten', prompt: 'long prompt', provider: pid },
      ]) await run(body);
      const sent = calls(pid) as Array<[string, Record<string, unknown>]>;
      expect(sent.every(([path]) => path === '/model/v1/generation')).toBe(true);
      const jobId = sent[0]![1].jobId;
      expect(sent.map(([, b]) => b)).toEqual([
        { model: 'midjourney_reroll', jobId },
        { model: 'midjourney_remix', jobId, imageNo: 3, remixPrompt: 'in fog', mode: 0 },
        { model: 'midjourney_pan', jobId, imageNo: 0, direction: 1, scale: 1.5 },
        { model: 'midjourney_outpaint', jobId, imageNo: 1, scale: 2 },
        { model: 'midjourney_inpaint', jobId, imageNo: 2, mask: { areas: AREAS } },
        { model: 'midjourney_video_diffusion', jobId, imageNo: 0, videoType: 0 },
        { model: 'midjourney_blend', imgUrls: [IMG, IMG2], aspect_ratio: '1:1' },
        { model: 'midjourney_describe', imgUrl: IMG },
        { model: 'midjourney_shorten', prompt: 'long prompt' },
      ]);
    });

    it('refuses an explicit speed (the aggregator has none to set)', async () => {
      const res = await submit({ action: 'imagine', prompt: 'x', speed: 'turbo', provider: pid });
      expect(res.status).toBe(422);
    });
  });

  describe('the upstream id map', () => {
    it("finds a task from a provider's job id, for the admin only", async () => {
      const t = await run({ action: 'imagine', prompt: 'find me', provider: 'apimart' });
      const found = await api(gw.url, 'GET', `/admin/tasks/by-upstream/apimart/${t.upstreamId}`, { key: ADMIN });
      expect(found.status).toBe(200);
      expect(found.body).toMatchObject({ tenantId: 'tenant-a', task: { id: t.id, provider: 'apimart' } });
      expect((await api(gw.url, 'GET', `/admin/tasks/by-upstream/legnext-main/${t.upstreamId}`, { key: ADMIN })).status).toBe(404);
      expect((await api(gw.url, 'GET', `/admin/tasks/by-upstream/apimart/${t.upstreamId}`, { key: KEY })).status).toBe(403);
    });
  });

  describe('GET /v1/providers', () => {
    it('lists every provider with capabilities and no secret', async () => {
      const res = await api(gw.url, 'GET', '/v1/providers', { key: KEY });
      expect(res.status).toBe(200);
      expect(res.body.data.map((p: { id: string }) => p.id)).toEqual(['legnext-main', 'apimart', 'vtrix']);
      const apimart = res.body.data.find((p: { id: string }) => p.id === 'apimart');
      expect(apimart).toMatchObject({ type: 'apimart', callbacks: false, health: { maxConcurrency: 6 } });
      expect(Object.keys(apimart.actions)).not.toContain('shorten');
      const text = JSON.stringify(res.body);
      for (const secret of ['lk', 'ak', 'vk']) expect(text).not.toContain(`"${secret}"`);
      expect(text).not.toMatch(/apiKey|baseUrl/);
    });
  });
});
