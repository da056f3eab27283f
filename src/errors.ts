/** One catalogue of stable API error codes with their HTTP status. Every non-2xx answer uses this envelope. */

export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  budget_exceeded: 402,
  forbidden: 403,
  tenant_disabled: 403,
  not_found: 404,
  not_cancelable: 409,
  parent_not_ready: 409,
  idempotency_conflict: 409,
  already_exists: 409,
  payload_too_large: 413,
  action_not_supported: 422,
  media_not_configured: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A failed task's `error.code`. */
export const TASK_ERROR_CODES = ['content_rejected', 'invalid_request', 'upstream_error', 'no_provider_available', 'timeout', 'parent_expired', 'canceled'] as const;
export type TaskErrorCode = (typeof TASK_ERROR_CODES)[number];

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export const apiError = (code: ErrorCode, message: string, details?: unknown, headers?: Record<string, string>) =>
  new ApiError(code, message, details, headers);

export interface ErrorEnvelope { error: { code: ErrorCode; message: string; details?: unknown } }

export const envelope = (code: ErrorCode, message: string, details?: unknown): ErrorEnvelope => ({
  error: details === undefined ? { code, message } : { code, message, details },
});
