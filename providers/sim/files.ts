/**
 * Output files of the simulators: job results name `https://cdn.<provider>.sim/...`, which does not exist; with
 * `serveFiles` on, those URLs are rewritten to the simulator's own `/files/...`, which serves a real PNG (or a small
 * MP4 box for videos), so the demo and the tests mirror real bytes.
 */
import type { ServerResponse } from 'node:http';
import { makePng } from './png.js';

export const FILE_PATH = /^\/files\/[A-Za-z0-9._-]+\/[A-Za-z0-9._/-]+$/;
const CDN = /https:\/\/(cdn\.[a-z]+\.sim)\//g;

/** The JSON of an answer with its CDN URLs pointing at the simulator at `base`. */
export const servedUrls = (json: string, base: string) => json.replace(CDN, (_m, host: string) => `${base}/files/${host}/`);

const padded = new Map<number, Buffer>();

/** A PNG of exactly `bytes` (a picture followed by an ancillary chunk of padding), one per size. */
function paddedPng(bytes: number): Buffer {
  let png = padded.get(bytes);
  if (!png) {
    png = makePng(64, 64, 'padded', bytes);
    padded.set(bytes, png);
  }
  return png;
}

/** A minimal ISO-BMFF header: enough for a type check of `video/mp4`. */
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(4), Buffer.from('mp42isom'), Buffer.alloc(1024)]);

/** What of the simulator's state shapes a file answer. */
export interface FileState { fileBytes: number; stallFiles: boolean; heldFile(): Promise<void> }

export async function fileFor(path: string, state: FileState, res: ServerResponse): Promise<void> {
  const bytes = state.fileBytes;
  const body = path.endsWith('.mp4') ? MP4 : path.endsWith('.png') ? (bytes > 0 ? paddedPng(bytes) : makePng(64, 64, path)) : null;
  if (!body) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such file');
    return;
  }
  res.writeHead(200, { 'content-type': path.endsWith('.mp4') ? 'video/mp4' : 'image/png', 'content-length': body.length });
  if (state.stallFiles) {
    res.write(body.subarray(0, body.length >> 1));
    await state.heldFile();
    res.end(body.subarray(body.length >> 1));
    return;
  }
  res.end(body);
}
