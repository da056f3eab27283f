/**
 * Images sent as data URLs: stored on the local backend, handed to the provider as signed gateway links that serve
 * the same bytes, and refused clearly when they are too big, not images, or broken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { makePng } from '../../providers/sim/png.js';
import type { Task } from '../../src/schemas/task.js';
import { api, freePort, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { dataUrl, fakeJpeg, fetchBytes, MEDIA_SECRET, tempMediaDir } from '../helpers/media.js';

const KEY = TENANT_A_KEY;
const MAX = 64 * 1024;

describe('data URLs in task bodies', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let store: Awaited<ReturnType<typeof tempMediaDir>>;
  const png = makePng(40, 30, 'fox');
  const jpeg = fakeJpeg();
  const post = (body: unknown) => api<any>(gw.url, 'POST', '/v1/tasks', { key: KEY, body });

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 60;
    store = await tempMediaDir();
    const port = await freePort();
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }],
      config: { port, publicUrl: `http://127.0.0.1:${port}`, media: { store: 'local', dir: store.dir, maxBytes: MAX, signingSecret: MEDIA_SECRET, mirror: false } },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
    await store?.remove();
  });

  it('reach the provider as signed gateway URLs that serve the same bytes', async () => {
    const res = await post({ action: 'blend', imageUrls: [dataUrl('image/png', png), dataUrl('image/jpeg', jpeg)] });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const { input } = res.body as Task;
    const urls = input.action === 'blend' ? input.imageUrls : [];
    expect(urls).toHaveLength(2);
    for (const u of urls) expect(u).toMatch(new RegExp(`^${gw.url}/media/med_[0-9a-f]{32}\\.(png|jpg)\\?exp=\\d+&sig=[\\w-]{43}$`));
    const task = await waitForTask(gw.url, KEY, res.body.id);
    expect(task.status).toBe('succeeded');
    const sent = sim.state.requests.find((r) => r.path === '/api/v1/blend')!.body as { imgUrls: string[] };
    expect(sent.imgUrls).toEqual(urls);

    const [first, second] = await Promise.all(sent.imgUrls.map((u) => fetchBytes(u)));
    expect(first!.status).toBe(200);
    expect(first!.body.equals(png)).toBe(true);
    expect(first!.headers).toMatchObject({ 'content-type': 'image/png', 'content-length': String(png.length), 'accept-ranges': 'bytes' });
    expect(first!.headers['cache-control']).toMatch(/^public, max-age=\d+, immutable$/);
    expect(second!.body.equals(jpeg)).toBe(true);
    expect(second!.headers['content-type']).toBe('image/jpeg');
    expect(await gw.rt.media.store.usage('tenant-a')).toEqual({ bytes: png.length + jpeg.length, count: 2 });
  });

  it('serves ranges and answers a matching ETag with 304', async () => {
    const { url } = await gw.rt.media.storeImageData({ tenantId: 'tenant-a', data: png });
    const part = await fetchBytes(url, { range: 'bytes=8-23' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 8-23/${png.length}`);
    expect(part.body.equals(png.subarray(8, 24))).toBe(true);
    const tail = await fetchBytes(url, { range: 'bytes=-10' });
    expect(tail.body.equals(png.subarray(png.length - 10))).toBe(true);
    expect((await fetchBytes(url, { range: `bytes=${png.length}-` })).status).toBe(416);
    const full = await fetchBytes(url);
    expect((await fetchBytes(url, { 'if-none-match': full.headers.etag as string })).status).toBe(304);
  });

  it('refuses tampered, expired and unknown links with no bytes', async () => {
    const { id, url } = await gw.rt.media.storeImageData({ tenantId: 'tenant-a', data: png });
    const u = new URL(url);
    const tamperedSig = await fetchBytes(url.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A')));
    expect(tamperedSig.status).toBe(403);
    expect(JSON.parse(tamperedSig.body.toString()).error.code).toBe('forbidden');
    u.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 60));
    expect((await fetchBytes(u.toString())).status).toBe(403);
    expect((await fetchBytes(`${gw.url}/media/${id}`)).status).toBe(403);
    const expired = gw.rt.media.links!.url(id, -5);
    const answer = await fetchBytes(expired);
    expect(answer.status).toBe(403);
    expect(answer.body.toString()).toMatch(/expired/);
    const other = id.replace(/^med_./, (m) => (m.endsWith('a') ? 'med_b' : 'med_a'));
    expect((await fetchBytes(gw.rt.media.links!.url(other))).status).toBe(404);
    expect((await fetchBytes(gw.rt.media.links!.url('../../etc/passwd'))).status).toBe(404);
  });

  describe('refuses bad images and stores nothing', () => {
    const cases: Array<[string, string, number, RegExp]> = [
      ['too big', dataUrl('image/png', Buffer.concat([png, Buffer.alloc(MAX)])), 413, new RegExp(`limit is ${MAX} bytes`)],
      ['not an image', dataUrl('image/png', Buffer.from('hello, this is text and not a picture')), 400, /not a PNG, JPEG, WebP or GIF/],
      ['broken base64', 'data:image/png;base64,iVBOR w0KGgo=', 400, /not valid base64/],
      ['the wrong declared type', dataUrl('image/png', jpeg), 400, /says image\/png but the bytes are image\/jpeg/],
    ];
    it.each(cases)('%s', async (_name, image, status, message) => {
      const before = await store.files();
      const res = await post({ action: 'describe', imageUrl: image });
      expect(res.status).toBe(status);
      expect(res.body.error.message).toMatch(/^body\.imageUrl: /);
      expect(res.body.error.message).toMatch(message);
      expect(await store.files()).toEqual(before);
    });

    it('a string that is neither a URL nor a data URL', async () => {
      const res = await post({ action: 'describe', imageUrl: 'ftp://example.com/a.png' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/http\(s\) URL or a data:image/);
    });
  });
});

describe('data URLs without media configured', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }], workers: false });
  });
  afterAll(async () => gw?.close());

  it('answer 422 media_not_configured saying what to set', async () => {
    const res = await api(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'describe', imageUrl: dataUrl('image/png', makePng(4, 4)) } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'media_not_configured', message: expect.stringMatching(/media: block/) });
    expect((await api(gw.url, 'GET', '/media/med_0123456789abcdef0123456789abcdef.png?exp=1&sig=x')).status).toBe(404);
  });
});
