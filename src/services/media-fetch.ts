/**
 * Downloads of provider output files for mirroring: http(s) only, the address checked at connect time like webhooks
 * (unless `media.allowPrivateHosts`), at most 3 redirects (each checked again), a time limit, `maxBytes` enforced on
 * the stream, and the type taken from the bytes. The body is streamed, never buffered whole.
 */
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { request, type Agent } from 'undici';
import { sniffMedia, type MediaType } from '../domain/image.js';
import { isBlockedAddress } from '../domain/ssrf.js';

export interface FetchLimits { agent: Agent; maxBytes: number; timeoutMs: number; allowPrivate: boolean }

const ACCEPTED_HEADER = /^(image\/|video\/|application\/octet-stream|binary\/octet-stream)/i;

function checkUrl(raw: string, allowPrivate: boolean): URL {
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${url.protocol} URLs are not fetched`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Literal addresses never reach the lookup the agent checks.
  if (!allowPrivate && isIP(host) && isBlockedAddress(host)) throw new Error(`refused: ${host} is a private or reserved address`);
  return url;
}

/** Opens a download; resolves once the type is known, with a stream of the whole body that fails past `maxBytes`. */
export async function openDownload(raw: string, o: FetchLimits): Promise<{ type: MediaType; body: Readable }> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  let url = checkUrl(raw, o.allowPrivate);
  for (let hop = 0; ; hop++) {
    const res = await request(url, { dispatcher: o.agent, signal, headers: { accept: 'image/*,video/*' } });
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string' && hop < 3) {
      await res.body.dump();
      url = checkUrl(new URL(location, url).toString(), o.allowPrivate);
      continue;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`HTTP ${res.statusCode}`);
    }
    const declared = String(res.headers['content-type'] ?? 'application/octet-stream');
    const length = Number(res.headers['content-length'] ?? NaN);
    if (!ACCEPTED_HEADER.test(declared) || length > o.maxBytes) {
      res.body.destroy();
      throw new Error(length > o.maxBytes ? `${length} bytes is over media.maxBytes (${o.maxBytes})` : `content type ${declared} is not an image or video`);
    }
    return typed(res.body, o.maxBytes);
  }
}

/** Reads the first bytes to sniff the type, then hands back a stream of everything, counting against the limit. */
async function typed(body: Readable, maxBytes: number): Promise<{ type: MediaType; body: Readable }> {
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let seen = 0;
  while (seen < 16) {
    const next = await it.next();
    if (next.done) break;
    head.push(next.value);
    seen += next.value.length;
  }
  const type = sniffMedia(Buffer.concat(head).subarray(0, 16));
  if (!type) {
    body.destroy();
    throw new Error('the file is not a PNG, JPEG, WebP, GIF or MP4');
  }
  async function* all() {
    let total = 0;
    for (let chunk = head.shift(); chunk; chunk = head.shift()) {
      total += chunk.length;
      yield chunk;
    }
    for (let next = await it.next(); !next.done; next = await it.next()) {
      total += next.value.length;
      if (total > maxBytes) throw new Error(`the file is over media.maxBytes (${maxBytes})`);
      yield next.value;
    }
  }
  const out = Readable.from(all(), { objectMode: false });
  out.once('close', () => body.destroy());
  return { type, body: out };
}
