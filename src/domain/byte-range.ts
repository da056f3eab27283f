/** HTTP `Range: bytes=...` (RFC 9110 §14): one range; several ranges are answered with the whole file. */

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end`. */
export interface ByteRange { start: number; end: number }

/** undefined: serve everything; null: unsatisfiable (416); else the inclusive range. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return header.includes(',') || !header.startsWith('bytes=') ? undefined : null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? null : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? null : { start, end };
}
