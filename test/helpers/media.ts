/** Helpers of the media tests: a temp store directory, images as data URLs, and raw HTTP reads of media links. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

export const MEDIA_SECRET = 'media-signing-secret-0123456789abcdef';

export const dataUrl = (type: string, bytes: Buffer) => `data:${type};base64,${bytes.toString('base64')}`;

/** Bytes that sniff as JPEG (the gateway checks the signature, not the whole file). */
export const fakeJpeg = (n = 2048) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(n, 7)]);

export async function tempMediaDir(): Promise<{ dir: string; files(): Promise<string[]>; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mjg-media-'));
  return {
    dir,
    files: async () => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** GET of a URL with its raw bytes and headers. */
export async function fetchBytes(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}
