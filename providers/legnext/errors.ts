/** Legnext errors → classified ProviderError / UpstreamFailure. */
import { httpError, looksLikeContentRejection, type UpstreamResponse } from '../http.js';
import { ProviderError, type UpstreamFailure } from '../types.js';

interface LegnextErrorBody { code?: number | string; message?: string; raw_message?: string }

/** Error bodies come top-level `{code, message, raw_message}` (docs) or wrapped `{error: {...}}` (OpenAPI): both. */
export function legnextErrorBody(json: unknown): LegnextErrorBody {
  if (!json || typeof json !== 'object') return {};
  const o = json as Record<string, unknown>;
  const inner = o.error && typeof o.error === 'object' ? (o.error as Record<string, unknown>) : o;
  const message = [inner.message, inner.raw_message].find((m): m is string => typeof m === 'string' && m.length > 0);
  const code = typeof inner.code === 'number' || typeof inner.code === 'string' ? inner.code : undefined;
  return { code, message };
}

/**
 * The changelog's "temporarily paused" endpoints (upload-paint, retexture, remove-background, enhance). Their refusal
 * is not documented [I]: any status whose message says paused / suspended / not available is read as such.
 * Override the words with the provider option `pausedPattern` (a regular expression).
 */
export const DEFAULT_PAUSED = /paus|suspend|temporarily (unavailable|disabled|closed)|endpoint (is )?(not available|disabled)|under maintenance/i;

export function legnextHttpError(res: UpstreamResponse, paused: RegExp = DEFAULT_PAUSED): ProviderError {
  const body = legnextErrorBody(res.json);
  const err = httpError(res, { code: body.code, message: body.message });
  if (res.status < 500 && res.status !== 429 && err.kind !== 'content_rejected' && paused.test(body.message ?? '')) {
    return new ProviderError('action_not_supported', `Legnext does not run this endpoint now: ${body.message}`, err.upstream, err.retryAfterMs);
  }
  return err;
}

/**
 * A failed job's `error`. Moderation shows as "Banned Prompt…"/code 10000 ("Prompt check failed") in this job
 * shape [I]; 4xx codes mean the input was wrong; anything else is the provider's fault and may go elsewhere.
 */
export function jobFailure(error: { code?: number | string; message?: string; raw_message?: string } | null | undefined): UpstreamFailure {
  const code = error?.code;
  const message = [error?.raw_message, error?.message].filter((m) => typeof m === 'string' && m.length > 0).join(' — ') || 'the provider reported the job as failed';
  if (Number(code) === 10000 || looksLikeContentRejection(message)) return { kind: 'content_rejected', code, message };
  const n = Number(code);
  if (Number.isInteger(n) && n >= 400 && n < 500 && n !== 429 && n !== 402) return { kind: 'invalid_request', code, message };
  return { kind: 'provider', code, message };
}
