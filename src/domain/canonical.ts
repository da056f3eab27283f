/** From an accepted submit body to the canonical request: speed flags in the prompt become `speed`. */
import type { CanonicalRequest, Speed } from '../../providers/types.js';
import { apiError } from '../errors.js';
import type { SubmitBody } from '../schemas/task.js';

const SPEED_FLAG = /(^|\s)--(relax|fast|turbo)\b/g;

/** Removes `--relax/--fast/--turbo` from a prompt and returns the speed it asked for (one at most). */
export function liftSpeed(prompt: string): { prompt: string; speed?: Speed } {
  const found = new Set<Speed>();
  const cleaned = prompt.replace(SPEED_FLAG, (_m, lead: string, s: Speed) => {
    found.add(s);
    return lead;
  }).replace(/\s{2,}/g, ' ').trim();
  if (found.size > 1) throw apiError('invalid_request', `the prompt names more than one speed (${[...found].join(', ')}): keep one`);
  return { prompt: cleaned, speed: [...found][0] };
}

export function toCanonical(body: SubmitBody): CanonicalRequest {
  const { callbackUrl: _c, provider: _p, metadata: _m, webhookEvents: _w, ...rest } = body;
  const req = { ...rest } as CanonicalRequest & { prompt?: string };
  if (typeof req.prompt === 'string') {
    const lifted = liftSpeed(req.prompt);
    if (lifted.speed && req.speed && lifted.speed !== req.speed) {
      throw apiError('invalid_request', `speed is "${req.speed}" but the prompt says --${lifted.speed}: keep one`);
    }
    if (lifted.prompt.length === 0 && body.action !== 'video') throw apiError('invalid_request', 'prompt must not be only a speed flag');
    req.prompt = lifted.prompt;
    if (lifted.speed) req.speed = lifted.speed;
  }
  return req;
}

