/** Small statistics and formatting helpers (nearest-rank percentiles on raw samples). */

export interface Summary { n: number; min: number; mean: number; p50: number; p90: number; p99: number; max: number }

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
  return { n: s.length, min: s[0] ?? NaN, mean, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

/** Rounds to `digits` decimals (NaN stays NaN; JSON writes it as null). */
export const round = (v: number, digits = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : NaN);

/** A number for a table: fixed decimals, thousands separated, "—" when unknown. */
export function fmt(v: number | undefined | null, digits = 2): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const fmtInt = (v: number | undefined | null) => fmt(v, 0);

/** Most events in any window of `windowMs`, and when that window starts (two pointers over sorted timestamps). */
export function maxInWindow(sortedTimes: number[], windowMs: number): { max: number; at: number } {
  let best = { max: 0, at: NaN };
  let lo = 0;
  for (let hi = 0; hi < sortedTimes.length; hi++) {
    while (sortedTimes[hi]! - sortedTimes[lo]! >= windowMs) lo++;
    if (hi - lo + 1 > best.max) best = { max: hi - lo + 1, at: sortedTimes[lo]! };
  }
  return best;
}

/** Adds counts by key. */
export function mergeCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Events per whole second from `from`, as an array of counts. */
export function perSecond(times: number[], from: number, to: number): number[] {
  const bins = new Array<number>(Math.max(0, Math.ceil((to - from) / 1000))).fill(0);
  for (const t of times) {
    const i = Math.floor((t - from) / 1000);
    if (i >= 0 && i < bins.length) bins[i]!++;
  }
  return bins;
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}
