/** Entry point: ROLE=api|worker|all picks what this process runs; SIGTERM closes it gracefully. */
import { getPriority, setPriority } from 'node:os';
import closeWithGrace from 'close-with-grace';
import { pino, type Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { loggerOptions } from './logger.js';
import { createRuntime } from './runtime.js';
import { startServer } from './server.js';
import { startupFailure, warnIfIdle } from './startup.js';
import { startHeartbeat } from './heartbeat.js';
import { startWorkers } from './worker.js';

const ROLES = ['api', 'worker', 'all'] as const;
/** The config once read (start-up failures name its addresses). */
let loaded: Config | undefined;

async function main(): Promise<void> {
  const role = (process.env.ROLE ?? 'all') as (typeof ROLES)[number];
  if (!ROLES.includes(role)) throw new ConfigError([`ROLE: must be one of ${ROLES.join(', ')} (got "${role}")`]);
  const config = loadConfig(process.env);
  loaded = config;
  const log = pino(loggerOptions(config.logLevel));
  if (config.workers.niceness > 0) lowerPriority(role, config.workers.niceness, log);
  const rt = await createRuntime(config, log);
  const workers = role === 'api' ? undefined : await startWorkers(rt);
  // A worker's liveness for container healthchecks (scripts/healthcheck.mjs).
  const heartbeat = role === 'worker' ? startHeartbeat(rt, process.env.HEALTH_FILE || '/tmp/mjg-worker-health') : undefined;
  const server = role === 'worker' ? undefined : await startServer(rt);
  log.info({ role, providers: [...rt.providers.entries.keys()], port: server ? config.port : undefined }, 'mj-gateway started');
  await warnIfIdle(rt, log).catch(() => undefined);

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'closing after an error');
    else log.info({ signal }, 'closing');
    heartbeat?.stop();
    await server?.close();
    await workers?.close();
    await rt.close();
  });
}

/**
 * A worker process yields the CPU to the API (and Redis) when they share cores: its work is background work, the
 * API's is a client waiting. Set before anything else starts, so the threads started later inherit it. The kernel
 * weighs niceness within one scheduler group (one container's cgroup, one session's autogroup); between containers,
 * give the worker fewer CPU shares instead (docker-compose.yml).
 */
function lowerPriority(role: (typeof ROLES)[number], niceness: number, log: Logger): void {
  if (role !== 'worker') {
    log.warn({ role, niceness }, 'workers.niceness applies to ROLE=worker processes only: this process serves the API too, so its priority is left alone');
    return;
  }
  try {
    setPriority(Math.max(getPriority(), niceness));
    log.info({ niceness: getPriority() }, 'worker runs at a lower scheduling priority (workers.niceness)');
  } catch (err) {
    log.warn({ err: (err as Error).message, niceness }, 'could not lower the worker priority (workers.niceness)');
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`mj-gateway: ${err.message}\n`);
  } else {
    const line = startupFailure(err, loaded);
    process.stderr.write(`mj-gateway: ${line ?? `cannot start: ${(err as Error).stack ?? String(err)}`}\n`);
  }
  process.exit(1);
});
