/** The pixel size of an image from its bytes (PNG, JPEG, WebP, GIF), read from its header without decoding it. */

export interface PixelSize { width: number; height: number }

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
const tag = (b: Uint8Array, i: number, s: string) => [...s].every((c, k) => b[i + k] === c.charCodeAt(0));
const sized = (width: number, height: number): PixelSize | null => (width > 0 && height > 0 ? { width, height } : null);

/** JPEG: the first start-of-frame marker (SOF0–SOF15 but DHT, JPG and DAC) holds height then width. */
function jpegSize(b: Uint8Array): PixelSize | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) { i++; continue; }
    const len = u16be(b, i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return sized(u16be(b, i + 7), u16be(b, i + 5));
    i += 2 + len;
  }
  return null;
}

/** WebP: lossy (VP8), lossless (VP8L) or extended (VP8X) chunk. */
function webpSize(b: Uint8Array): PixelSize | null {
  if (b.length < 25) return null;
  if (tag(b, 12, 'VP8L')) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (b.length < 30) return null;
  if (tag(b, 12, 'VP8 ')) return sized(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  if (tag(b, 12, 'VP8X')) return sized(u24le(b, 24) + 1, u24le(b, 27) + 1);
  return null;
}

export function pixelSize(b: Uint8Array): PixelSize | null {
  if (b.length >= 24 && b[0] === 0x89 && tag(b, 1, 'PNG') && tag(b, 12, 'IHDR')) return sized(u32be(b, 16), u32be(b, 20));
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpegSize(b);
  if (b.length >= 10 && tag(b, 0, 'GIF8')) return sized(u16le(b, 6), u16le(b, 8));
  if (b.length >= 16 && tag(b, 0, 'RIFF') && tag(b, 8, 'WEBP')) return webpSize(b);
  return null;
}
