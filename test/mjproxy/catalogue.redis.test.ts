/**
 * The later midjourney-proxy routes against the simulators: edits and retexture (base64 images through the media
 * store), video with its options and the animate buttons' motion, and notifyHook posts of every progress change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, startGateway, TENANT_A_KEY, type TestGateway } from '../helpers/gateway.js';
import { fetchBytes } from '../helpers/media.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { IMAGE, IMAGES, MASK, mediaGateway } from './images.js';
import { fetchUntil, mj, secretClient, submitted, succeeds, type Client } from './helpers.js';

const canonical = async (gw: TestGateway, id: string) => (await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_A_KEY })).body;

describe('edits, retexture and video on Legnext', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let chat: Client;
  let media: Awaited<ReturnType<typeof mediaGateway>>;

  beforeAll(async () => {
    media = await mediaGateway();
    sim = await startLegnextSimulator({ apiKey: 'k' });
    sim.state.behaviour.jobDurationMs = 40;
    gw = await startGateway({ providers: [{ id: 'legnext', type: 'legnext', apiKey: 'k', baseUrl: `${sim.url}/api` }], ...media.options });
    chat = secretClient(gw.url, TENANT_A_KEY);
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
    await media?.remove();
  });

  it('edits a base64 image: the canvas is the image, the image and mask go through the media store', async () => {
    const vo = await succeeds(chat, '/mj/submit/edits', { prompt: 'a red scarf', image: IMAGES.image, maskBase64: IMAGES.mask, state: 'e1' });
    expect(vo).toMatchObject({ action: 'EDIT', state: 'e1' });
    const input = (await canonical(gw, vo.id)).input;
    expect(input).toMatchObject({ action: 'edit', prompt: 'a red scarf', canvas: { width: 24, height: 16 }, imagePosition: { width: 24, height: 16, x: 0, y: 0 } });
    expect((await fetchBytes(input.imageUrl)).body).toEqual(IMAGE);
    expect((await fetchBytes(input.mask.url)).body).toEqual(MASK);
  });

  it('retextures an image given as base64Array[0]', async () => {
    const vo = await succeeds(chat, '/mj/submit/retexture', { prompt: 'in bronze', base64Array: [IMAGES.image] });
    expect(vo.action).toBe('RETEXTURE');
    const input = (await canonical(gw, vo.id)).input;
    expect(input).toMatchObject({ action: 'retexture', prompt: 'in bronze' });
    expect((await fetchBytes(input.imageUrl)).body).toEqual(IMAGE);
  });

  it('answers code 4 naming the field an edit or retexture lacks', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['/mj/submit/edits', { prompt: 'x', image: IMAGES.image }, 'maskBase64'],
      ['/mj/submit/edits', { prompt: 'x', maskBase64: IMAGES.mask }, 'image'],
      ['/mj/submit/edits', { prompt: 'x', image: 'https://images.example.com/a.png', maskBase64: IMAGES.mask }, 'image must be sent as base64'],
      ['/mj/submit/edits', { prompt: ' ', image: IMAGES.image, maskBase64: IMAGES.mask }, 'prompt'],
      ['/mj/submit/retexture', { prompt: 'x' }, 'image is required'],
      ['/mj/submit/video', { image: IMAGES.image, motion: 'medium' }, 'motion'],
      ['/mj/submit/video', { taskId: 'tsk_01M90P0WTT00001HSTFJ6BBTT9KP0SJ3WV', index: 1, batchSize: 3 }, 'batchSize'],
    ];
    for (const [path, body, says] of cases) {
      const res = await mj(chat, 'POST', path, body);
      expect(res.status, path).toBe(200);
      expect(res.body.code, `${path} ${JSON.stringify(res.body)}`).toBe(4);
      expect(res.body.description, path).toContain(says);
    }
  });

  it('passes motion, loop, end frame and batch size to video, and the animate buttons their motion', async () => {
    const grid = await succeeds(chat, '/mj/submit/imagine', { prompt: 'a kite' });
    const vo = await succeeds(chat, '/mj/submit/video', { taskId: grid.id, index: 2, prompt: 'it flies', motion: 'high', loop: true, batchSize: 2 });
    expect(vo.action).toBe('VIDEO');
    expect((await canonical(gw, vo.id)).input).toMatchObject({ action: 'video', taskId: grid.id, index: 2, prompt: 'it flies', motion: 'high', loop: true, batchSize: 2 });
    expect(vo.videoUrls.length).toBeGreaterThan(0);

    const fromImage = await submitted(chat, '/mj/submit/video', { image: IMAGES.image, endImage: IMAGES.mask, prompt: 'drift', motion: 'low' });
    const input = (await canonical(gw, fromImage)).input;
    expect(input).toMatchObject({ action: 'video', motion: 'low', prompt: 'drift' });
    expect((await fetchBytes(input.endImageUrl)).body).toEqual(MASK);

    const extended = await succeeds(chat, '/mj/submit/video', { action: 'extend', taskId: vo.id, index: 1, prompt: 'further' });
    expect((await canonical(gw, extended.id)).input).toMatchObject({ action: 'video_extend', taskId: vo.id, index: 1, prompt: 'further' });

    const up = await succeeds(chat, '/mj/submit/change', { taskId: grid.id, action: 'UPSCALE', index: 3 });
    for (const motion of ['high', 'low']) {
      const button = up.buttons.find((b: any) => b.customId.includes(`::animate_${motion}::`));
      expect(button, JSON.stringify(up.buttons)).toBeDefined();
      const animated = await submitted(chat, '/mj/submit/action', { taskId: up.id, customId: button.customId });
      expect((await canonical(gw, animated)).input).toMatchObject({ action: 'video', taskId: grid.id, index: 3, motion });
    }
  });
});

describe('on a provider that runs retexture but not edit (APIMart)', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let hooks: Receiver;
  let chat: Client;
  let media: Awaited<ReturnType<typeof mediaGateway>>;

  beforeAll(async () => {
    media = await mediaGateway();
    hooks = await startReceiver();
    sim = await startApimartSimulator({ apiKey: 'k' });
    sim.state.behaviour.jobDurationMs = 800;
    gw = await startGateway({ providers: [{ id: 'apimart', type: 'apimart', apiKey: 'k', baseUrl: sim.url }], ...media.options });
    chat = secretClient(gw.url, TENANT_A_KEY);
  });
  afterAll(async () => {
    await gw?.close();
    await hooks?.close();
    await sim?.close();
    await media?.remove();
  });

  it('answers code 4 for edits, saying no configured provider can run the action', async () => {
    const res = await mj(chat, 'POST', '/mj/submit/edits', { prompt: 'x', image: IMAGES.image, maskBase64: IMAGES.mask });
    expect(res.body).toMatchObject({ code: 4, result: null, description: expect.stringContaining('no enabled provider can run') });
  });

  it('runs retexture through APIMart\'s edits endpoint', async () => {
    const vo = await succeeds(chat, '/mj/submit/retexture', { prompt: 'in bronze', image: IMAGES.image });
    expect(vo.action).toBe('RETEXTURE');
    const sent = sim.state.requests.find((r) => r.method === 'POST' && r.path.endsWith('/edits'));
    expect(sent?.body).toMatchObject({ prompt: 'in bronze', image_urls: [expect.stringMatching(/^https?:\/\//)] });
  });

  it('posts the task to notifyHook on every status and progress change, in order', async () => {
    const id = await submitted(chat, '/mj/submit/imagine', { prompt: 'slowly', notifyHook: `${hooks.url}/progress` });
    await fetchUntil(chat, id);
    const end = Date.now() + 10_000;
    const bodies = () => hooks.received.filter((r) => r.path === '/progress').map((r) => JSON.parse(r.body));
    while (Date.now() < end && !bodies().some((b) => b.status === 'SUCCESS')) await new Promise((r) => setTimeout(r, 25));
    const posts = bodies();
    expect(posts.every((b) => b.id === id)).toBe(true);
    expect(posts.at(-1)).toMatchObject({ status: 'SUCCESS', progress: '100%' });
    const progress = posts.map((b) => Number.parseInt(b.progress, 10));
    // Several progress steps while running, never going back.
    expect(new Set(posts.filter((b) => b.status === 'IN_PROGRESS').map((b) => b.progress)).size).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const order = ['SUBMITTED', 'IN_PROGRESS', 'SUCCESS'];
    const statuses = posts.map((b) => order.indexOf(b.status));
    expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
    expect(statuses[0]).toBeGreaterThanOrEqual(0);
    const events = hooks.received.filter((r) => r.path === '/progress').map((r) => r.headers['x-mjg-event']);
    expect(events).toContain('progress');
  });

  it('leaves the webhooks of /v1 tasks as they were: running and final events only', async () => {
    const res = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'plain', callbackUrl: `${hooks.url}/plain` } });
    const id = res.body.id as string;
    await fetchUntil(chat, id);
    const end = Date.now() + 10_000;
    const events = () => hooks.received.filter((r) => r.path === '/plain').map((r) => r.headers['x-mjg-event']);
    while (Date.now() < end && !events().includes('succeeded')) await new Promise((r) => setTimeout(r, 25));
    expect(events()).toEqual(['running', 'succeeded']);
  });
});
