/**
 * Real PNG files made on the spot (no image library): simulators serve them as job outputs so the gateway mirrors
 * real pictures, and tests get valid images of any size. The picture is a colour gradient seeded by a name.
 */
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGB PNG of `width` × `height` whose colours follow from `seed`, padded to `padTo` bytes when given. */
export function makePng(width: number, height: number, seed = 'mj-gateway', padTo = 0): Buffer {
  const [r0, g0, b0] = createHash('sha256').update(seed).digest();
  const row = 1 + width * 3;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    raw[y * row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const at = y * row + 1 + x * 3;
      raw[at] = (r0! + (x * 255) / width) & 0xff;
      raw[at + 1] = (g0! + (y * 255) / height) & 0xff;
      raw[at + 2] = (b0! + ((x + y) * 127) / (width + height)) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter, no interlace
  const head = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw))]);
  const end = chunk('IEND', Buffer.alloc(0));
  // An ancillary private chunk (`paDd`) that decoders skip makes the file as large as asked.
  const pad = padTo - head.length - end.length - 12;
  return Buffer.concat(pad >= 0 ? [head, chunk('paDd', Buffer.alloc(pad, 0x2e)), end] : [head, end]);
}
