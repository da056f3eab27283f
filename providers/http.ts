/**
 * The one way adapters reach an upstream: undici on an injected dispatcher, one attempt, a hard timeout,
 * and every transport failure turned into a classified ProviderError. Retrying is the task state machine's job.
 */
import { request, type Dispatcher } from 'undici';
import { ProviderError, type ErrorClass } from './types.js';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  json: unknown;
  text: string;
}

export interface CallOptions {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  dispatcher: Dispatcher;
  /** Submit calls may create a job upstream: a failure after the request left is `ambiguous`. */
  phase: 'submit' | 'poll';
}

/** Errors raised before any byte reached the upstream: retrying them can never double-submit. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_DESTROYED',
]);

export async function callUpstream(opts: CallOptions): Promise<UpstreamResponse> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(opts.url, {
      method: opts.method,
      headers: opts.body === undefined ? opts.headers : { 'content-type': 'application/json', ...opts.headers },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      dispatcher: opts.dispatcher,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    throw transportError(err, opts.phase);
  }
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    throw transportError(err, opts.phase);
  }
  return { status: res.statusCode, headers: res.headers, json: parseJson(text), text };
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function transportError(err: unknown, phase: CallOptions['phase']): ProviderError {
  const e = err as { code?: string; name?: string; cause?: { code?: string }; message?: string };
  const code = e.code ?? e.cause?.code;
  if (code !== undefined && CONNECT_CODES.has(code)) {
    return new ProviderError('unavailable', `cannot connect to the provider (${code})`, { code });
  }
  const timedOut = e.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
  if (phase === 'submit') {
    return new ProviderError('ambiguous', `no answer to the submit (${timedOut ? 'timeout' : code ?? e.message ?? 'transport error'}); the job may exist upstream`, { code });
  }
  return new ProviderError(timedOut ? 'timeout' : 'unavailable', `provider did not answer (${timedOut ? 'timeout' : code ?? 'transport error'})`, { code });
}

/** Retry-After as milliseconds (seconds or an HTTP date), if present and sane. */
export function retryAfterMs(headers: UpstreamResponse['headers']): number | undefined {
  const raw = headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(at - Date.now(), 3_600_000));
}

/** The class an HTTP status implies when the body says nothing more specific. */
export function classOfStatus(status: number): ErrorClass {
  if (status === 401 || status === 403) return 'auth_invalid';
  if (status === 402) return 'quota_exhausted';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'invalid_request';
}

const BALANCE_WORDS = /insufficient (balance|credit|fund|point)|out of credit|quota|payment required|top.?up/i;
/** About the request, not the account: a model or feature the plan lacks (Legnext: "permission denied"). */
const REQUEST_WORDS = /permission denied|not (allowed|permitted|available) (for|on|with|in) |requires? (a |an )?(higher|pro|paid|another|different)|upgrade your plan/i;
/** A job or task named in the request that the upstream does not know (Legnext answers 400 "job … not found"). */
const PARENT_GONE = /\b(job|task)\b[^.]{0,80}\bnot (found|exist)|no such (job|task)|(job|task) (has )?expired/i;

/**
 * Only an account-level 403 (bad key, no balance) says the provider is unusable for everyone; a 403 about the request
 * fails that task alone (moderation is caught apart, by its words).
 */
export function classOf403(message: string | undefined): ErrorClass {
  const m = message ?? '';
  if (BALANCE_WORDS.test(m)) return 'quota_exhausted';
  if (REQUEST_WORDS.test(m) && !/api.?key|token|credential/i.test(m)) return 'invalid_request';
  return 'auth_invalid';
}

const CONTENT_WORDS = /banned|moderat|sensitive|nsfw|prohibited|inappropriate|violat|blocked prompt|prompt check/i;

/** True when an upstream message says the content itself was refused (moderation). */
export function looksLikeContentRejection(message: string | undefined): boolean {
  return message !== undefined && CONTENT_WORDS.test(message);
}

/**
 * Builds the ProviderError for a non-2xx answer: the status gives the class, a moderation message turns it into
 * `content_rejected` (Legnext answers 403 for "sensitive content" as well as for permissions).
 */
export function httpError(res: UpstreamResponse, upstream: { code?: string | number; message?: string }): ProviderError {
  let kind = classOfStatus(res.status);
  if (res.status === 403) kind = classOf403(upstream.message);
  if ((res.status === 400 || res.status === 404) && PARENT_GONE.test(upstream.message ?? '')) kind = 'not_found';
  if (res.status < 500 && looksLikeContentRejection(upstream.message)) kind = 'content_rejected';
  const text = upstream.message ?? (res.text.slice(0, 200) || `HTTP ${res.status}`);
  return new ProviderError(kind, `provider answered ${res.status}: ${text}`, { status: res.status, ...upstream }, retryAfterMs(res.headers));
}

/** A 2xx answer whose body cannot be read: on submit the job may exist, so it is ambiguous. */
export function malformed(res: UpstreamResponse, phase: CallOptions['phase'], what: string): ProviderError {
  const snippet = res.text.slice(0, 120);
  return new ProviderError(phase === 'submit' ? 'ambiguous' : 'unavailable', `provider sent an unreadable ${what}: ${snippet || '(empty body)'}`, { status: res.status });
}

/** The first of `fields` holding a non-empty string or number, in a callback body or its `data` object. */
export function jobIdIn(body: unknown, fields: string[]): string | null {
  const at = (o: unknown) => (o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined);
  for (const obj of [at(body), at(at(body)?.data)]) {
    for (const f of fields) {
      const v = obj?.[f];
      if ((typeof v === 'string' && v.length > 0 && v.length <= 200) || typeof v === 'number') return String(v);
    }
  }
  return null;
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** One adapter's way to call its upstream: base URL, auth headers, timeout and dispatcher bound once. */
export type UpstreamCall = (method: 'GET' | 'POST', path: string, phase: CallOptions['phase'], body?: unknown) => Promise<UpstreamResponse>;

export function upstreamClient(opts: { baseUrl?: string; timeoutMs: number; dispatcher: Dispatcher }, defaultBase: string, headers: Record<string, string>): UpstreamCall {
  const base = opts.baseUrl ?? defaultBase;
  return (method, path, phase, body) => callUpstream({ method, url: joinUrl(base, path), headers, body, timeoutMs: opts.timeoutMs, dispatcher: opts.dispatcher, phase });
}
