/**
 * Uploads (`POST /v1/media`, multipart and raw) on the S3 backend, against a real S3-protocol server: the object
 * lands in the bucket, the link serves it (ranges too), usage counts it, and bad uploads get 413/400 with nothing
 * stored. The same code path a user runs with AWS S3, MinIO or R2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormData, request } from 'undici';
import { makePng } from '../../providers/sim/png.js';
import { api, freePort, startGateway, TENANT_A_KEY, TENANT_B_KEY, type TestGateway } from '../helpers/gateway.js';
import { fakeJpeg, fetchBytes, MEDIA_SECRET } from '../helpers/media.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

const MAX = 96 * 1024;

describe('uploads on the S3 backend', () => {
  let s3: TestS3;
  let gw: TestGateway;
  const png = makePng(50, 40, 'upload');

  const upload = async (body: Buffer | FormData, contentType?: string, key = TENANT_A_KEY) => {
    const res = await request(`${gw.url}/v1/media`, {
      method: 'POST', body, headers: { authorization: `Bearer ${key}`, ...(contentType ? { 'content-type': contentType } : {}) },
    });
    return { status: res.statusCode, body: (await res.body.json()) as any };
  };
  const form = (data: Buffer, type: string) => {
    const f = new FormData();
    f.set('file', new Blob([new Uint8Array(data)], { type }), 'picture');
    return f;
  };

  beforeAll(async () => {
    s3 = await startS3();
    const port = await freePort();
    gw = await startGateway({
      workers: false,
      config: { port, publicUrl: `http://127.0.0.1:${port}`, media: { store: 's3', s3: s3.config, maxBytes: MAX, signingSecret: MEDIA_SECRET } },
    });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await s3?.close();
  }, 60_000);

  it('stores a multipart upload in the bucket and serves it by its link', async () => {
    const res = await upload(form(png, 'image/png'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^med_[0-9a-f]{32}\.png$/), contentType: 'image/png', bytes: png.length });
    const inBucket = await fetchBytes(`${s3.endpoint}/${s3.bucket}/test/${res.body.id}`);
    expect(inBucket.body.equals(png)).toBe(true);
    const served = await fetchBytes(res.body.url);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.body.equals(png)).toBe(true);
    const part = await fetchBytes(res.body.url, { range: 'bytes=0-7' });
    expect(part.status).toBe(206);
    expect(part.body.equals(png.subarray(0, 8))).toBe(true);
  });

  it('takes the raw bytes too, and counts usage per tenant', async () => {
    const before = (await api(gw.url, 'GET', '/v1/media/usage', { key: TENANT_B_KEY })).body;
    const jpeg = fakeJpeg(4000);
    const res = await upload(jpeg, 'image/jpeg', TENANT_B_KEY);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.contentType).toBe('image/jpeg');
    const after = (await api(gw.url, 'GET', '/v1/media/usage', { key: TENANT_B_KEY })).body;
    expect(after).toEqual({ bytes: before.bytes + jpeg.length, count: before.count + 1 });
    expect((await fetchBytes(res.body.url)).body.equals(jpeg)).toBe(true);
  });

  it('refuses oversize, non-image and mislabelled uploads, storing nothing', async () => {
    const { count } = await gw.rt.media.store.usage('tenant-a');
    const big = Buffer.concat([png, Buffer.alloc(MAX)]);
    const tooBigForm = await upload(form(big, 'image/png'));
    expect(tooBigForm.status).toBe(413);
    expect(tooBigForm.body.error.message).toMatch(new RegExp(`${MAX} bytes`));
    expect((await upload(big, 'image/png')).status).toBe(413);
    const text = await upload(form(Buffer.from('just some text, not a picture'), 'image/png'));
    expect(text.status).toBe(400);
    expect(text.body.error.message).toMatch(/not a PNG, JPEG, WebP or GIF/);
    const mislabelled = await upload(png, 'image/gif');
    expect(mislabelled.status).toBe(400);
    expect(mislabelled.body.error.message).toMatch(/says image\/gif but the bytes are image\/png/);
    expect((await upload(new FormData())).status).toBe(400);
    expect((await gw.rt.media.store.usage('tenant-a')).count).toBe(count);
  });

  it('needs a tenant key', async () => {
    const res = await request(`${gw.url}/v1/media`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } });
    expect(res.statusCode).toBe(401);
    await res.body.dump();
  });
});
