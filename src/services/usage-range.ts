/** The UTC day range of a usage query: defaults to this month so far, at most MAX_USAGE_DAYS long. */
import { utcDay } from '../domain/time.js';
import { apiError } from '../errors.js';

export const MAX_USAGE_DAYS = 366;

export function usageRange(query: { from?: string; to?: string }, now = Date.now()): { from: string; to: string } {
  const today = utcDay(now);
  const from = query.from ?? `${today.slice(0, 8)}01`;
  const to = query.to ?? today;
  if (from > to) throw apiError('invalid_request', `querystring.from (${from}) is after querystring.to (${to})`);
  if (Date.parse(to) - Date.parse(from) > (MAX_USAGE_DAYS - 1) * 86_400_000) throw apiError('invalid_request', `the range is longer than ${MAX_USAGE_DAYS} days: narrow from/to`);
  return { from, to };
}
