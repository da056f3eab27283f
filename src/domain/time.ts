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
