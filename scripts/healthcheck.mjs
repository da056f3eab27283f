// Docker HEALTHCHECK. API (ROLE=api|all): GET /healthz on this container's own port (PORT, default 8080).
// Worker (ROLE=worker): its heartbeat file (HEALTH_FILE), renewed every 5 s while Redis answers, is under 30 s old.
import { statSync } from 'node:fs';

if (process.env.ROLE === 'worker') {
  try {
    const age = Date.now() - statSync(process.env.HEALTH_FILE || '/tmp/mjg-worker-health').mtimeMs;
    process.exit(age < 30_000 ? 0 : 1);
  } catch {
    process.exit(1);
  }
}

const port = process.env.PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
