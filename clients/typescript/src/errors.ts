/** Errors from the gateway's envelope `{ error: { code, message, details? } }`, typed by code. */
import type { ErrorCode } from './types.js';

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error' | 'bad_response',
    message: string,
    readonly details?: unknown,
    /** Seconds to wait before retrying (429, 503), when the gateway said. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const isEnvelope = (v: unknown): v is { error: { code: ErrorCode; message: string; details?: unknown } } =>
  typeof v === 'object' && v !== null && 'error' in v && typeof v.error === 'object' && v.error !== null && 'code' in v.error && 'message' in v.error;

/** The GatewayError of a non-2xx answer. */
export async function errorOf(res: Response): Promise<GatewayError> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: reported below */
  }
  const retry = res.headers.get('retry-after');
  const retryAfter = retry === null ? undefined : Number(retry);
  if (isEnvelope(body)) return new GatewayError(res.status, body.error.code, body.error.message, body.error.details, retryAfter);
  return new GatewayError(res.status, 'bad_response', `HTTP ${res.status}: ${text.slice(0, 200)}`, undefined, retryAfter);
}
