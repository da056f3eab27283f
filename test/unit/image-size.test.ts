/** Pixel sizes read from image headers, as the midjourney-proxy edits route places an image on its canvas. */
import { describe, expect, it } from 'vitest';
import { pixelSize } from '../../src/domain/image-size.js';
import { makePng } from '../../providers/sim/png.js';

const bytes = (...parts: Array<number[] | string>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('pixelSize', () => {
  it('reads PNG and GIF headers', () => {
    expect(pixelSize(makePng(640, 360))).toEqual({ width: 640, height: 360 });
    expect(pixelSize(bytes('GIF89a', [0x20, 0x03, 0x58, 0x02]))).toEqual({ width: 800, height: 600 });
  });

  it('finds the JPEG frame after other segments', () => {
    const app0 = [0xff, 0xe0, 0x00, 0x06, 1, 2, 3, 4];
    const sof2 = [0xff, 0xc2, 0x00, 0x11, 0x08, 0x04, 0x38, 0x07, 0x80, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(pixelSize(bytes([0xff, 0xd8], app0, [0xff, 0xc4, 0x00, 0x04, 0, 0], sof2))).toEqual({ width: 1920, height: 1080 });
  });

  it('reads the three WebP forms', () => {
    const riff = (chunk: string, body: number[]) => bytes('RIFF', [0, 0, 0, 0], 'WEBP', chunk, [0, 0, 0, 0], body);
    expect(pixelSize(riff('VP8X', [0, 0, 0, 0, 0xff, 0x03, 0x00, 0xff, 0x01, 0x00]))).toEqual({ width: 1024, height: 512 });
    expect(pixelSize(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]))).toEqual({ width: 320, height: 240 });
    // VP8L: signature 0x2f, then 14 bits width-1 and 14 bits height-1.
    const w = 99;
    const h = 49;
    const bits = w | (h << 14);
    expect(pixelSize(riff('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >> 24) & 0xff, 0]))).toEqual({ width: 100, height: 50 });
  });

  it('knows nothing of other bytes', () => {
    expect(pixelSize(Buffer.from('not an image at all, just text'))).toBeNull();
    expect(pixelSize(bytes([0xff, 0xd8], [0x00, 0x01]))).toBeNull();
  });
});
