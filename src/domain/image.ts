/** What an image is, from its bytes (never from what the client claims), and `data:` URLs of images. */

export const IMAGE_TYPES = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
} as const;
export type ImageType = keyof typeof IMAGE_TYPES;

/** What mirroring keeps: the images, and the videos of video tasks. */
export const MEDIA_TYPES = { ...IMAGE_TYPES, 'video/mp4': 'mp4' } as const;
export type MediaType = keyof typeof MEDIA_TYPES;

const EXT_TYPES = new Map<string, MediaType>(Object.entries(MEDIA_TYPES).map(([t, e]) => [e, t as MediaType]));
/** Stored media ids end in their type's extension: the type is known without a lookup. */
export const typeOfExtension = (ext: string): MediaType | undefined => EXT_TYPES.get(ext);

const startsWith = (b: Uint8Array, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The image type of the first bytes of a file (16 are enough), or null when it is none of PNG/JPEG/WebP/GIF. */
export function sniffImage(head: Uint8Array): ImageType | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  return null;
}

/** An image type, or `video/mp4` (an ISO-BMFF `ftyp` box first), or null. */
export function sniffMedia(head: Uint8Array): MediaType | null {
  return sniffImage(head) ?? (startsWith(head, ascii('ftyp'), 4) ? 'video/mp4' : null);
}

/** `image/jpg` is a common misspelling of `image/jpeg`; both name the same bytes. */
export const normaliseImageType = (t: string) => (t.toLowerCase() === 'image/jpg' ? 'image/jpeg' : t.toLowerCase());

const DATA_URL = /^data:(image\/[a-z0-9.+-]+);base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const isDataImageUrl = (s: string): boolean => DATA_URL.test(s);

/** A parse problem, with the HTTP meaning the caller gives it. */
export class ImageInputError extends Error {
  constructor(readonly kind: 'invalid' | 'too_large', message: string) {
    super(message);
  }
}

/**
 * Decodes a `data:image/...;base64,` URL. The decoded size is computed from the text before anything is decoded, so
 * an oversize image is refused without buffering it.
 */
export function decodeDataUrl(s: string, maxBytes: number): { declaredType: string; data: Buffer } {
  const m = DATA_URL.exec(s);
  if (!m) throw new ImageInputError('invalid', 'is not a data:image/...;base64, URL');
  const payload = s.slice(m[0].length);
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  const bytes = Math.floor((payload.length * 3) / 4) - padding;
  if (bytes > maxBytes) throw new ImageInputError('too_large', `holds ${bytes} bytes; the limit is ${maxBytes} bytes (media.maxBytes)`);
  if (payload.length === 0 || payload.length % 4 !== 0 || !BASE64.test(payload)) {
    throw new ImageInputError('invalid', 'is not valid base64 (standard alphabet, padded to a multiple of 4 characters, no spaces)');
  }
  return { declaredType: normaliseImageType(m[1]!), data: Buffer.from(payload, 'base64') };
}
