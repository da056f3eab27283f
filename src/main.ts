/** Entry point: ROLE=api|worker|all picks what this process runs; SIGTERM closes it gracefully. */
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { loggerOptions } from './logger.js';
import { createRuntime } from './runtime.js';
import { startServer } from './server.js';
import { startWorkers } from './worker.js';

const ROLES = ['api', 'worker', 'all'] as const;

async function main(): Promise<void> {
  const role = (process.env.ROLE ?? 'all') as (typeof ROLES)[number];
  if (!ROLES.includes(role)) throw new ConfigError([`ROLE: must be one of ${ROLES.join(', ')} (got "${role}")`]);
  const config = loadConfig(process.env);
  const log = pino(loggerOptions(config.logLevel));
  const rt = await createRuntime(config, log);
  const workers = role === 'api' ? undefined : await startWorkers(rt);
  const server = role === 'worker' ? undefined : await startServer(rt);
  log.info({ role, providers: [...rt.providers.entries.keys()], port: server ? config.port : undefined }, 'mj-gateway started');

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'closing after an error');
    else log.info({ signal }, 'closing');
    await server?.close();
    await workers?.close();
    await rt.close();
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`mj-gateway: ${err.message}\n`);
  } else {
    process.stderr.write(`mj-gateway: cannot start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
