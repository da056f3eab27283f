/** UTC days as the usage counters and upstream maps name them. */

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
/** `YYYY-MM-DD` of a time in UTC. A task time (`createdAt`, as `toISOString` wrote it) is read as it is, not parsed. */
export const utcDay = (at: Date | number | string) => (typeof at === 'string' && ISO_UTC.test(at) ? at.slice(0, 10) : new Date(at).toISOString().slice(0, 10));

/** Every UTC day from `from` to `to` (inclusive), as `YYYY-MM-DD`. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(utcDay(t));
  return out;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/;

/**
 * True when `s` is an ISO 8601 date or date-time naming a real day and time: `Date.parse` quietly turns
 * `2026-02-30` into March 2 and `T24:61` into the next day.
 */
export function isRealDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  const [y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const daysInMonth = new Date(Date.UTC(y!, mo, 0)).getUTCDate();
  return mo! >= 1 && mo! <= 12 && d! >= 1 && d! <= daysInMonth && h < 24 && mi < 60 && se < 60 && oh < 24 && om < 60 && !Number.isNaN(Date.parse(s));
}
