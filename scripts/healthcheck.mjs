// Docker HEALTHCHECK: GET /healthz on this container's own port (PORT, default 8080).
// A worker (ROLE=worker) serves no HTTP, so it passes; BullMQ takes over the jobs of a worker that dies.
if (process.env.ROLE === 'worker') process.exit(0);

const port = process.env.PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
