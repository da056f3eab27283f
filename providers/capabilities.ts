/**
 * The checks every adapter runs against its own capability declaration: an action it has, a speed it honours and
 * every option the request gives. An option a provider cannot honour is refused by name, never dropped or rounded.
 */
import type { ActionCapability, Capabilities, CanonicalRequest } from './types.js';

/** Fields that say what to work on rather than how: always accepted where the action is. */
const STRUCTURAL: ReadonlySet<string> = new Set(['action', 'speed', 'taskId', 'index']);

/** The canonical option names a request uses (`mask` counts as `mask.url` or `mask.areas`). */
export function givenOptions(req: CanonicalRequest): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(req)) {
    if (value === undefined || STRUCTURAL.has(key)) continue;
    if (key === 'mask' && value && typeof value === 'object') out.push('url' in value ? 'mask.url' : 'mask.areas');
    else out.push(key);
  }
  return out;
}

/** The first option of the request the capability does not list, or null. */
export function unhonouredOption(req: CanonicalRequest, cap: ActionCapability): string | null {
  return givenOptions(req).find((o) => !cap.options.includes(o)) ?? null;
}

/**
 * Null when the declaration covers the request (action, speed, options), else a sentence naming what is missing.
 * `name` is how the provider is called in the sentence ("Legnext"); speed rules of its own stay with the adapter.
 */
export function declaredRefusal(name: string, caps: Capabilities, req: CanonicalRequest): string | null {
  const cap = caps.actions[req.action];
  if (!cap) return `${name} has no ${req.action}`;
  const option = unhonouredOption(req, cap);
  if (option) return `${name} does not honour the option "${option}" of ${req.action} (it honours: ${cap.options.join(', ') || 'none'})`;
  return null;
}
