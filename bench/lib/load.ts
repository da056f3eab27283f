/**
 * Load generators, both running in the bench process. `cannon`: closed-loop (autocannon, N connections, as fast as
 * answers come). `openLoop`: constant arrival with an undici Pool — request i is sent at t0 + i/rate whatever the
 * earlier ones are doing (a 1 ms timer sends everything that is due), latency measured from the moment it is sent.
 */
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { sleep } from './proc.js';
import { summarize, type Summary } from './stats.js';

export interface CannonResult {
  connections: number; durationS: number; requests: number; rps: number;
  p50: number; p99: number; mean: number; max: number; non2xx: number; errors: number; timeouts: number;
}

/**
 * req/s = requests completed ÷ the run's own duration (autocannon's, to 10 ms). `amount`: stop after that many
 * requests instead (autocannon runs for at least a second whatever `durationS` says).
 */
export async function cannon(o: { url: string; connections: number; durationS: number; amount?: number; method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }): Promise<CannonResult> {
  const r = await autocannon({
    url: o.url, connections: o.connections, ...(o.amount ? { amount: o.amount } : { duration: o.durationS }), method: o.method, headers: o.headers, body: o.body, pipelining: 1,
  });
  return {
    connections: o.connections, durationS: r.duration, requests: r.requests.total, rps: r.requests.total / r.duration,
    p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.average, max: r.latency.max, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
  };
}

/** A short burst of requests (`parallel` at a time) to warm a server's code paths; answers are not looked at. */
export async function warmUp(o: { url: string; method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; requests: number; parallel?: number }): Promise<void> {
  const u = new URL(o.url);
  const pool = new Pool(u.origin, { connections: o.parallel ?? 20 });
  let left = o.requests;
  await Promise.all(Array.from({ length: o.parallel ?? 20 }, async () => {
    while (left-- > 0) await (await pool.request({ method: o.method, path: u.pathname, headers: o.headers, body: o.body })).body.dump();
  }));
  await pool.close();
}

export interface OpenLoopResult {
  rate: number; durationS: number; sent: number; ok: number; failed: number; achievedRate: number;
  /** Latency in ms, send → full answer. */
  latency: Summary;
  /** How late the generator sent requests versus their schedule (ms): a check on the generator itself. */
  lag: Summary;
  ids: string[];
}

export async function openLoop(o: {
  origin: string; path: string; headers: Record<string, string>; body: string; rate: number; durationS: number; connections?: number;
  /** Status the request must answer to count as ok. */ okStatus: number; collectIds?: boolean;
}): Promise<OpenLoopResult> {
  const pool = new Pool(o.origin, { connections: o.connections ?? 128, keepAliveTimeout: 60_000 });
  const total = Math.round(o.rate * o.durationS);
  const latencies: number[] = [];
  const lags: number[] = [];
  const ids: string[] = [];
  let ok = 0;
  let failed = 0;
  const inflight = new Set<Promise<void>>();
  const fire = (scheduled: number) => {
    const start = performance.now();
    lags.push(start - scheduled);
    const p = pool.request({ method: 'POST', path: o.path, headers: o.headers, body: o.body }).then(
      async (res) => {
        const text = await res.body.text();
        latencies.push(performance.now() - start);
        if (res.statusCode === o.okStatus) {
          ok++;
          if (o.collectIds) ids.push((JSON.parse(text) as { id: string }).id);
        } else failed++;
      },
      () => void failed++,
    ).finally(() => inflight.delete(p));
    inflight.add(p);
  };
  // Connections are opened before the clock starts, so the first second does not pay for TCP handshakes.
  await Promise.all(Array.from({ length: Math.min(o.connections ?? 128, 32) }, () => pool.request({ method: 'GET', path: '/__warm' }).then((r) => r.body.dump(), () => undefined)));
  const t0 = performance.now();
  const interval = 1000 / o.rate;
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
    while (sent < due) fire(t0 + sent++ * interval);
    await sleep(1);
  }
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(inflight);
  await pool.close();
  return { rate: o.rate, durationS: o.durationS, sent, ok, failed, achievedRate: sent / elapsed, latency: summarize(latencies), lag: summarize(lags), ids };
}
