/** Aggregator errors → classified ProviderError / UpstreamFailure, by HTTP status, 8004… code and message. */
import { classOf403, httpError, looksLikeContentRejection, type UpstreamResponse } from '../http.js';
import { ProviderError, type ErrorClass, type UpstreamFailure } from '../types.js';

export interface WireError { code?: number | string; message?: string }

/**
 * What a Midjourney error code says. The 10-digit samples (8004004001, 8004001001, and 004011001 printed without
 * the 8) read as 8 · product 004 · endpoint (3 digits) · code (3 digits) [I]. Suffix 001–097 is validation,
 * 098 "Generation process failed", 099 "Provider unavailable". Only product 004 is read: Veo's 002014001 is
 * "Video generation failed", so the suffix means something else elsewhere.
 */
export function codeClass(code: number | string | undefined): 'invalid_request' | 'provider' | 'unavailable' | undefined {
  if (code === undefined) return undefined;
  const m = /^8?004\d{3}(\d{3})$/.exec(String(code).trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n >= 1 && n <= 97) return 'invalid_request';
  if (n === 98) return 'provider';
  if (n === 99) return 'unavailable';
  return undefined;
}

const text = (...vs: unknown[]) => vs.find((v): v is string => typeof v === 'string' && v.trim().length > 0)?.trim();
const codeOf = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && v.length > 0) ? v : undefined);

/** A task's `error`: `{code: int, error_message}` (MJ pages), `{code: string, message}` (Veo page) or a plain string (CLI). */
export function wireError(value: unknown): WireError {
  if (typeof value === 'string') return { message: text(value) };
  if (!value || typeof value !== 'object') return {};
  const o = value as Record<string, unknown>;
  return { code: codeOf(o.code), message: text(o.error_message, o.message, o.msg) };
}

/** A synchronous error body: any task-error shape, top-level or under `error`, or a plain text body. */
export function errorBody(json: unknown, raw = ''): WireError {
  if (json === undefined) return { message: text(raw.slice(0, 500)) };
  if (!json || typeof json !== 'object') return wireError(json);
  const o = json as Record<string, unknown>;
  const top = wireError(o);
  if (o.error === undefined || o.error === null) return top;
  const inner = wireError(o.error);
  return { code: inner.code ?? top.code, message: inner.message ?? top.message };
}

const BALANCE = /balance|insufficient|credit|quota|billing/i;
/** An unknown `model` is this gateway's mistake (the unverified ids), not the client's: let the router move on. */
const UNKNOWN_MODEL = /(unknown|invalid|unsupported|not (?:found|exist|support)\w*)[^.]{0,20}model|model[^.]{0,40}(not (?:found|exist|support)|unknown|invalid|unsupported)/i;

function refine(status: number, phase: 'submit' | 'poll', body: WireError, kind: ErrorClass): ErrorClass {
  if (kind === 'content_rejected') return kind;
  // The docs give one text for 403, "Insufficient balance or permission denied"; the message tells which one it was.
  if (status === 403) return BALANCE.test(body.message ?? '') ? 'quota_exhausted' : classOf403(body.message);
  if (status === 401 || status === 402 || status === 429) return kind;
  const byCode = codeClass(body.code);
  if (byCode) return byCode === 'invalid_request' ? 'invalid_request' : 'unavailable';
  if (phase === 'submit' && status < 500 && UNKNOWN_MODEL.test(body.message ?? '')) return 'unavailable';
  // `not_found` means "the job is gone", a poll answer; a submit 404 is a wrong path or base URL.
  if (phase === 'submit' && status === 404) return 'unavailable';
  return kind;
}

/** A non-2xx answer → ProviderError. A synchronous 098/099 is `unavailable`: nothing ran, another provider may. */
export function aggregatorHttpError(res: UpstreamResponse, phase: 'submit' | 'poll'): ProviderError {
  const body = errorBody(res.json, res.text);
  const base = httpError(res, body);
  const kind = refine(res.status, phase, body, base.kind);
  return kind === base.kind ? base : new ProviderError(kind, base.message, base.upstream, base.retryAfterMs);
}

/**
 * A 2xx answer with no task in it but an error the body explains (`{code: 8004…, error_message}`, or a 4xx/5xx
 * `code`): some gateways answer 200 with an error [I]. Undefined when the body explains nothing (then: malformed).
 */
export function refusalIn2xx(res: UpstreamResponse, phase: 'submit' | 'poll'): ProviderError | undefined {
  const body = errorBody(res.json, '');
  const n = Number(body.code);
  const like = codeClass(body.code) ? 400 : Number.isInteger(n) && n >= 400 && n < 600 ? n : undefined;
  if (like === undefined) return undefined;
  const { kind, retryAfterMs } = aggregatorHttpError({ ...res, status: like }, phase);
  const message = `provider answered ${res.status} with error ${body.code}: ${body.message ?? '(no message)'}`;
  return new ProviderError(kind, message, { status: res.status, ...body }, retryAfterMs);
}

/** A failed task's `error` → UpstreamFailure; moderation words first, then the code. */
export function taskFailure(error: unknown): UpstreamFailure {
  const { code, message: raw } = wireError(error);
  const message = raw ?? 'the provider reported the task as failed';
  if (looksLikeContentRejection(message)) return { kind: 'content_rejected', code, message };
  if (codeClass(code) === 'invalid_request') return { kind: 'invalid_request', code, message };
  const n = Number(code);
  // Mirrors Legnext: HTTP-like 4xx codes blame the input, except quota and rate limits.
  if (Number.isInteger(n) && n >= 400 && n < 500 && n !== 402 && n !== 429) return { kind: 'invalid_request', code, message };
  return { kind: 'provider', code, message };
}
