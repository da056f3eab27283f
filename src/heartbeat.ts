/**
 * The worker's liveness for a container healthcheck (a worker serves no HTTP): every 5 s, once Redis answers a PING,
 * the file's time is renewed. scripts/healthcheck.mjs fails a worker whose file is older than 30 s (its event loop
 * is stuck, or it has lost Redis).
 */
import { closeSync, openSync, utimesSync } from 'node:fs';
import type { Runtime } from './runtime.js';

export const HEARTBEAT_MS = 5_000;

export function startHeartbeat(rt: Pick<Runtime, 'ping'>, file: string): { stop(): void } {
  const beat = () =>
    void rt.ping().then(() => {
      const now = new Date();
      closeSync(openSync(file, 'a'));
      utimesSync(file, now, now);
    }, () => undefined);
  beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
