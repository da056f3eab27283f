/** APIMart errors → classified ProviderError / UpstreamFailure. */
import { classOfStatus, httpError, looksLikeContentRejection, retryAfterMs, type UpstreamResponse } from '../http.js';
import { ProviderError, type ErrorClass, type UpstreamFailure } from '../types.js';

export interface ApimartErrorBody { code?: number | string; message?: string }

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const codeOf = (v: unknown): number | string | undefined => (typeof v === 'number' || (typeof v === 'string' && v) ? v : undefined);

/**
 * Error bodies come as the platform's `{error: {type, message, code}}` [3P], the MJ routes' `{code, message}` [D]
 * or midjourney-proxy's `{code, msg}` [I]: all three are read. A platform error without `code` keeps its `type`.
 */
export function apimartErrorBody(json: unknown): ApimartErrorBody {
  if (!json || typeof json !== 'object') return {};
  const o = json as Record<string, unknown>;
  const inner = o.error && typeof o.error === 'object' ? (o.error as Record<string, unknown>) : o;
  return { code: codeOf(inner.code) ?? codeOf(inner.type), message: text(inner.message) ?? text(inner.msg) ?? text(o.error) };
}

/**
 * Body `code`s: 3 not found, 4 validation, 9 service rejected (A7 table [D]); 23 queue full and 24 banned prompt
 * follow midjourney-proxy's ReturnCode [I]. Service rejected is the provider's fault, so another provider may try.
 */
const CODE_CLASSES: Record<number, ErrorClass> = {
  3: 'not_found', 4: 'invalid_request', 9: 'unavailable', 23: 'rate_limited', 24: 'content_rejected',
};

/** Codes that mean "accepted" when a task id comes with them: 200 (documented), midjourney-proxy's 1 / 21 / 22. [I] */
export const ACCEPTED_CODES = new Set([200, 1, 21, 22]);

/** A non-2xx answer: the status decides, except that a plain 4xx is refined by the body code (e.g. 24 → content). */
export function apimartHttpError(res: UpstreamResponse): ProviderError {
  const body = apimartErrorBody(res.json);
  const err = httpError(res, body);
  const refined = CODE_CLASSES[Number(body.code)];
  const plain4xx = res.status >= 400 && res.status < 500 && ![401, 402, 403, 429].includes(res.status);
  if (!refined || !plain4xx || err.kind === 'content_rejected' || refined === err.kind) return err;
  return new ProviderError(refined, err.message, err.upstream, err.retryAfterMs);
}

/** A 200 answer whose body `code` says the request was refused (the MJ routes can answer errors this way). */
export function bodyCodeError(res: UpstreamResponse, body: ApimartErrorBody): ProviderError {
  const n = Number(body.code);
  let kind: ErrorClass = CODE_CLASSES[n] ?? (n >= 400 && n < 600 ? classOfStatus(n) : 'unavailable');
  if (looksLikeContentRejection(body.message)) kind = 'content_rejected';
  const message = `provider refused the request (code ${String(body.code)}): ${body.message ?? res.text.slice(0, 200)}`;
  return new ProviderError(kind, message, { status: res.status, ...body }, retryAfterMs(res.headers));
}

/** Documented messages for a request that can never work as sent (wrong parent, v8 pan…). */
const INVALID_WORDS = /not in SUCCESS state|requires an upscaled task|invalid generation request/i;

/** A failed task's `fail_reason` (MJ-style) or `error` (unified): moderation, bad input, or the provider's fault. */
export function taskFailure(reason: string | undefined, code?: number | string): UpstreamFailure {
  const message = reason ?? 'the provider reported the task as failed';
  const base = code === undefined ? { message } : { code, message };
  if (Number(code) === 24 || looksLikeContentRejection(message)) return { kind: 'content_rejected', ...base };
  if (INVALID_WORDS.test(message)) return { kind: 'invalid_request', ...base };
  return { kind: 'provider', ...base };
}

/**
 * A step the adapter sends from a poll (the action after the pre-step upscale, `/modal`) that the upstream refuses
 * ends the task, as sending it again cannot help; transient errors return undefined and are re-sent on the next poll.
 */
export function stepFailure(err: unknown): UpstreamFailure | undefined {
  if (!(err instanceof ProviderError)) return undefined;
  const message = err.upstream.message ?? err.message;
  const base = err.upstream.code === undefined ? { message } : { code: err.upstream.code, message };
  if (err.kind === 'content_rejected' || err.kind === 'invalid_request') return { kind: err.kind, ...base };
  if (err.kind === 'not_found') return { kind: 'provider', ...base };
  return undefined;
}
