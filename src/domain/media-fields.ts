/**
 * The one list of the canonical body's image fields: every place a client may give an image, as a URL or a
 * `data:image/...;base64,` URL. A field applies to whichever action has it.
 */

/** Dotted paths; a field may hold one URL or an array of them. */
export const IMAGE_FIELDS = [
  'imageUrl', // describe, video (start frame)
  'imageUrls', // imagine (image prompts), blend
  'endImageUrl', // video end frame
  'mask.url', // inpaint
] as const;

type Node = Record<string, unknown>;

/** Every string in an image field of `body`, with a setter that writes a replacement into a copy of it. */
export function imageRefs(body: Node): Array<{ path: string; value: string }> {
  const out: Array<{ path: string; value: string }> = [];
  for (const field of IMAGE_FIELDS) {
    const parts = field.split('.');
    const value = parts.reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as Node)[k] : undefined), body);
    if (typeof value === 'string') out.push({ path: field, value });
    else if (Array.isArray(value)) value.forEach((v, i) => typeof v === 'string' && out.push({ path: `${field}.${i}`, value: v }));
  }
  return out;
}

/** A copy of `body` with the strings at `paths` (as `imageRefs` names them) replaced; nothing else is copied deep. */
export function replaceRefs<T extends Node>(body: T, replacements: Map<string, string>): T {
  const copy: Node = { ...body };
  for (const [path, value] of replacements) {
    const parts = path.split('.');
    let node = copy;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i]!;
      const child = node[k] as Node | unknown[];
      node[k] = Array.isArray(child) ? [...child] : { ...child };
      node = node[k] as Node;
    }
    node[parts.at(-1)!] = value;
  }
  return copy as T;
}
