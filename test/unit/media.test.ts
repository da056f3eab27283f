/** Media rules without Redis: type sniffing, data URLs, byte ranges, image fields, link signing and config. */
import { describe, expect, it } from 'vitest';
import { makePng } from '../../providers/sim/png.js';
import { parseConfig } from '../../src/config.js';
import { parseRange } from '../../src/domain/byte-range.js';
import { decodeDataUrl, sniffImage } from '../../src/domain/image.js';
import { imageRefs, replaceRefs } from '../../src/domain/media-fields.js';
import { MediaLinks } from '../../src/services/media-links.js';

const bytes = (...b: Array<number | string>) => Buffer.concat(b.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : Buffer.from([x]))));

describe('sniffImage', () => {
  it('tells PNG, JPEG, GIF and WebP from their first bytes', () => {
    expect(sniffImage(makePng(2, 2))).toBe('image/png');
    expect(sniffImage(bytes(0xff, 0xd8, 0xff, 0xdb, 0))).toBe('image/jpeg');
    expect(sniffImage(bytes('GIF89a', 0, 0))).toBe('image/gif');
    expect(sniffImage(bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 '))).toBe('image/webp');
  });
  it('knows nothing else', () => {
    expect(sniffImage(bytes('%PDF-1.7'))).toBeNull();
    expect(sniffImage(bytes('RIFF', 0, 0, 0, 0, 'WAVE'))).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
  });
});

describe('decodeDataUrl', () => {
  const png = makePng(3, 3);
  it('decodes the bytes and the declared type (image/jpg read as image/jpeg)', () => {
    expect(decodeDataUrl(`data:image/png;base64,${png.toString('base64')}`, 1e6).data.equals(png)).toBe(true);
    expect(decodeDataUrl('data:image/jpg;base64,AAAA', 1e6).declaredType).toBe('image/jpeg');
  });
  it('refuses an oversize payload from its length, before decoding', () => {
    expect(() => decodeDataUrl(`data:image/png;base64,${'A'.repeat(4000)}`, 2999)).toThrow(/3000 bytes; the limit is 2999/);
  });
  it('refuses broken base64', () => {
    for (const bad of ['data:image/png;base64,', 'data:image/png;base64,AAA', 'data:image/png;base64,AA AA', 'data:image/png;base64,A*AA']) {
      expect(() => decodeDataUrl(bad, 1e6), bad).toThrow(/not valid base64/);
    }
  });
});

describe('parseRange', () => {
  it.each([
    [undefined, undefined], ['bytes=0-9', { start: 0, end: 9 }], ['bytes=90-', { start: 90, end: 99 }], ['bytes=-5', { start: 95, end: 99 }],
    ['bytes=50-500', { start: 50, end: 99 }], ['bytes=100-', null], ['bytes=9-3', null], ['bytes=0-1,5-6', undefined], ['items=1-2', undefined],
  ])('%s of 100 bytes', (header, want) => expect(parseRange(header, 100)).toEqual(want));
});

describe('image fields', () => {
  const body = { action: 'inpaint', imageUrls: ['a', 'b'], imageUrl: 'c', mask: { url: 'd' }, prompt: 'e' };
  it('lists every image string with its path', () => {
    expect(imageRefs(body)).toEqual([
      { path: 'imageUrl', value: 'c' }, { path: 'imageUrls.0', value: 'a' }, { path: 'imageUrls.1', value: 'b' }, { path: 'mask.url', value: 'd' },
    ]);
  });
  it('replaces them in a copy, leaving the original alone', () => {
    const out = replaceRefs(body, new Map([['imageUrls.1', 'B'], ['mask.url', 'D']]));
    expect(out).toEqual({ ...body, imageUrls: ['a', 'B'], mask: { url: 'D' } });
    expect(body.imageUrls[1]).toBe('b');
    expect(body.mask.url).toBe('d');
  });
});

describe('MediaLinks', () => {
  const links = new MediaLinks('s'.repeat(32), 'https://mj.example.com/', 600);
  it('signs id and expiry together', () => {
    const u = new URL(links.url('med_1.png', 600, 1_000_000));
    expect(u.origin + u.pathname).toBe('https://mj.example.com/media/med_1.png');
    const [exp, sig] = [u.searchParams.get('exp')!, u.searchParams.get('sig')!];
    expect(links.check('med_1.png', exp, sig, 1_000_000)).toBe('ok');
    expect(links.check('med_2.png', exp, sig, 1_000_000)).toBe('invalid');
    expect(links.check('med_1.png', String(Number(exp) + 1), sig, 1_000_000)).toBe('invalid');
    expect(links.check('med_1.png', exp, sig, (Number(exp) + 1) * 1000)).toBe('expired');
    expect(new MediaLinks('t'.repeat(32), undefined, 1).check('med_1.png', exp, sig, 1_000_000)).toBe('invalid');
  });
});

describe('the media: config block', () => {
  it('takes defaults and reads env text', () => {
    const c = parseConfig('media: { maxBytes: "1048576", signingSecret: "${S}" }', { S: 'x'.repeat(32) });
    expect(c.media).toMatchObject({ store: 'local', dir: './data/media', mirror: true, maxBytes: 1048576, urlTtlSeconds: 604800, allowPrivateHosts: false });
  });
  it('reports what is missing, every problem at once', () => {
    expect(() => parseConfig('media: { store: s3 }', {})).toThrow(/media\.s3: store is s3[\s\S]*media\.signingSecret: set it/);
    expect(() => parseConfig('media: { stor: local }', {})).toThrow(/media: Unrecognized key/);
  });
});
