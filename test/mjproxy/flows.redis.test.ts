/**
 * What real midjourney-proxy clients send, replayed against each provider simulator through the gateway (real HTTP,
 * Redis, BullMQ): the chatgpt-web-midjourney-proxy flow with `mj-api-secret`, and new-api's relay with Bearer auth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAggregatorSimulator } from '../../providers/aggregator/simulator.js';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, startGateway, TENANT_A_KEY, type TestGateway } from '../helpers/gateway.js';
import { fetchBytes } from '../helpers/media.js';
import { IMAGE, IMAGES, MASK, mediaGateway } from './images.js';
import { bearerClient, fetchUntil, mj, secretClient, submitted, succeeds, type Client } from './helpers.js';

const PROVIDERS = [
  { type: 'legnext', start: startLegnextSimulator, base: (url: string) => `${url}/api`, shorten: true, seed: true },
  { type: 'apimart', start: startApimartSimulator, base: (url: string) => url, shorten: false, seed: false },
  { type: 'aggregator', start: startAggregatorSimulator, base: (url: string) => url, shorten: true, seed: false },
] as const;

describe.each(PROVIDERS)('midjourney-proxy clients against the $type simulator', (p) => {
  let sim: Simulator;
  let gw: TestGateway;
  let chat: Client;
  let relay: Client;
  let media: Awaited<ReturnType<typeof mediaGateway>>;
  /** The bytes behind a gateway media link the provider was given. */
  const served = async (url: string) => {
    expect(url.startsWith(`${gw.url}/media/med_`), url).toBe(true);
    return (await fetchBytes(url)).body;
  };

  beforeAll(async () => {
    media = await mediaGateway();
    sim = await p.start({ apiKey: 'k' });
    sim.state.behaviour.jobDurationMs = 40;
    gw = await startGateway({ providers: [{ id: 'up', type: p.type, apiKey: 'k', baseUrl: p.base(sim.url) }], ...media.options });
    chat = secretClient(gw.url, TENANT_A_KEY);
    relay = bearerClient(gw.url, TENANT_A_KEY);
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
    await media?.remove();
  });

  it('replays the chat client: imagine, fetch, U2 by customId, vary region via modal, seed, gallery', async () => {
    const id = await submitted(chat, '/mj/submit/imagine', { prompt: 'a lighthouse at dusk', base64Array: [IMAGES.image], notifyHook: '', state: 'chat-1', botType: 'MID_JOURNEY' });
    const running = await fetchUntil(chat, id, (vo) => vo.status !== 'NOT_START');
    expect(['SUBMITTED', 'IN_PROGRESS', 'SUCCESS']).toContain(running.status);
    const grid = await fetchUntil(chat, id);
    expect(grid).toMatchObject({ id, action: 'IMAGINE', status: 'SUCCESS', progress: '100%', state: 'chat-1', failReason: null });
    expect(grid.imageUrl).toMatch(/^https:\/\//);
    expect(grid.finishTime).toBeGreaterThanOrEqual(grid.submitTime);
    // The same task on the canonical API: one task store.
    const canonical = await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_A_KEY });
    expect(canonical.body).toMatchObject({ id, action: 'imagine', status: 'succeeded', provider: 'up' });
    expect(await served(canonical.body.input.imageUrls[0])).toEqual(IMAGE);
    const labels = grid.buttons.map((b: any) => b.label || b.emoji);
    expect(labels).toEqual(['U1', 'U2', 'U3', 'U4', '🔄', 'V1', 'V2', 'V3', 'V4']);

    const u2 = grid.buttons.find((b: any) => b.label === 'U2');
    expect(u2.customId).toMatch(/^MJ::JOB::upsample::2::[0-9a-f-]{36}$/);
    const up = await succeeds(chat, '/mj/submit/action', { taskId: id, customId: u2.customId, state: 'chat-2' });
    expect(up).toMatchObject({ action: 'UPSCALE', state: 'chat-2', parentId: id });
    expect((await api(gw.url, 'GET', `/v1/tasks/${up.id}`, { key: TENANT_A_KEY })).body.input).toMatchObject({ action: 'upscale', taskId: id, index: 2 });

    const region = up.buttons.find((b: any) => b.customId.startsWith('MJ::Inpaint::'));
    expect(region, JSON.stringify(up.buttons)).toBeDefined();
    const press = await mj(chat, 'POST', '/mj/submit/action', { taskId: up.id, customId: region.customId });
    expect(press.body).toMatchObject({ code: 21, properties: { finalPrompt: expect.any(String) } });
    const modal = await mj(chat, 'GET', `/mj/task/${press.body.result}/fetch`);
    expect(modal.body).toMatchObject({ id: press.body.result, status: 'MODAL', action: 'INPAINT' });
    const done = await succeeds(chat, '/mj/submit/modal', { taskId: press.body.result, maskBase64: IMAGES.mask, prompt: 'a red scarf' });
    expect(done.action).toBe('INPAINT');
    const inpaint = (await api(gw.url, 'GET', `/v1/tasks/${done.id}`, { key: TENANT_A_KEY })).body;
    expect(inpaint.input).toMatchObject({ action: 'inpaint', taskId: id, index: 2, prompt: 'a red scarf' });
    expect(await served(inpaint.input.mask.url)).toEqual(MASK);
    // The MODAL id now reads as the task it became.
    expect((await mj(chat, 'GET', `/mj/task/${press.body.result}/fetch`)).body.id).toBe(done.id);

    const seed = await mj(chat, 'GET', `/mj/task/${id}/image-seed`);
    if (p.seed) expect(seed.body).toEqual({ code: 1, description: 'Success', result: canonical.body.output.seed, properties: {} });
    else expect(seed.body).toMatchObject({ code: 4, description: expect.stringContaining('no seed') });

    const gallery = await mj(chat, 'POST', '/mj/task/list-by-condition', { ids: [id, up.id, done.id, 'tsk_unknown0000000000000000000'] });
    expect(gallery.status).toBe(200);
    expect(gallery.body.map((t: any) => t.id)).toEqual([id, up.id, done.id]);
  });

  it('replays blend, describe and shorten from the chat client', async () => {
    const blend = await succeeds(chat, '/mj/submit/blend', { base64Array: [IMAGES.image, IMAGES.image], dimensions: 'LANDSCAPE' });
    expect(blend.action).toBe('BLEND');
    const blendInput = (await api(gw.url, 'GET', `/v1/tasks/${blend.id}`, { key: TENANT_A_KEY })).body.input;
    expect(blendInput.aspectRatio).toBe('3:2');
    for (const url of blendInput.imageUrls) expect(await served(url)).toEqual(IMAGE);

    const described = await succeeds(chat, '/mj/submit/describe', { base64: IMAGES.image });
    expect(described.action).toBe('DESCRIBE');
    expect(await served((await api(gw.url, 'GET', `/v1/tasks/${described.id}`, { key: TENANT_A_KEY })).body.input.imageUrl)).toEqual(IMAGE);
    expect(described.prompt).toMatch(/^1️⃣ /);
    expect(described.buttons[0]).toMatchObject({ customId: 'MJ::Job::PicReader::1', emoji: '1️⃣', type: 2 });
    const again = await succeeds(chat, '/mj/submit/action', { taskId: described.id, customId: 'MJ::Job::PicReader::1' });
    expect(again.action).toBe('IMAGINE');

    if (p.shorten) {
      const short = await succeeds(chat, '/mj/submit/shorten', { prompt: 'a very long prompt about a lighthouse on a cliff at dusk' });
      expect(short.action).toBe('SHORTEN');
      expect(short.description).toMatch(/^1️⃣ /);
    } else {
      const refused = await mj(chat, 'POST', '/mj/submit/shorten', { prompt: 'long' });
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({ code: 4, result: null, description: expect.stringContaining('shorten') });
    }
  });

  it("replays new-api's relay: Bearer auth, submit, list-by-condition polling", async () => {
    const ids = [
      await submitted(relay, '/mj/submit/imagine', { prompt: 'relay one' }),
      await submitted(relay, '/mj/submit/imagine', { prompt: 'relay two', state: 's2' }),
    ];
    const end = Date.now() + 15_000;
    let tasks: any[] = [];
    while (Date.now() < end) {
      const res = await mj(relay, 'POST', '/mj/task/list-by-condition', { ids });
      expect(res.status).toBe(200);
      tasks = res.body;
      if (tasks.length === 2 && tasks.every((t) => t.status === 'SUCCESS')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(tasks.map((t) => [t.id, t.status, t.progress])).toEqual(ids.map((id) => [id, 'SUCCESS', '100%']));
    expect(tasks[1].state).toBe('s2');
    const u1 = await succeeds(relay, '/mj/submit/change', { taskId: ids[0], action: 'UPSCALE', index: 1 });
    expect(u1.action).toBe('UPSCALE');
    const v3 = await succeeds(relay, '/mj/submit/simple-change', { content: `${ids[1]} V3` });
    expect(v3.action).toBe('VARIATION');
  });
});
