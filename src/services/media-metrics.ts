/** Media metrics, on the runtime's registry: bytes in and out, mirror latency and failures, store errors, by backend. */
import { Counter, Histogram, type Registry } from 'prom-client';

const MIRROR_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createMediaMetrics(registry: Registry) {
  const registers = [registry];
  return {
    bytes: new Counter({ name: 'mjg_media_bytes_total', help: 'Media bytes stored (in: uploads, data URLs, mirrors) and served (out)', labelNames: ['direction', 'backend'], registers }),
    mirrorSeconds: new Histogram({ name: 'mjg_media_mirror_duration_seconds', help: "Time to mirror one task's outputs", labelNames: ['outcome'], buckets: MIRROR_SECONDS, registers }),
    mirrorFailures: new Counter({ name: 'mjg_media_mirror_failures_total', help: 'Output files left on the provider after every mirror attempt failed', labelNames: ['backend'], registers }),
    storeErrors: new Counter({ name: 'mjg_media_store_errors_total', help: 'Media backend operations that failed', labelNames: ['backend', 'op'], registers }),
  };
}

export type MediaMetrics = ReturnType<typeof createMediaMetrics>;
