/**
 * The three provider simulators alone, on fixed ports, for a gateway run elsewhere (the compose `demo` profile runs
 * this as `node dist/scripts/simulators.js`). Environment:
 *   LEGNEXT_SIM_PORT (9101), APIMART_SIM_PORT (9102), AGGREGATOR_SIM_PORT (9103), SIM_HOST (0.0.0.0),
 *   SIM_PUBLIC_HOST (the host name printed in the URLs; 127.0.0.1 by default, `simulators` in compose),
 *   SIM_JOB_MS (3000: time from submit to a job's end),
 *   LEGNEXT_SIM_KEY / APIMART_SIM_KEY / AGGREGATOR_SIM_KEY (default sim-legnext-key, sim-apimart-key, sim-aggregator-key).
 * Output URLs point at each simulator's own `/files/` (real PNGs the gateway mirrors). Each also serves its control API under `/__sim/*` (behaviour, faults, request log). SIGINT/SIGTERM stop them.
 */
import { startAggregatorSimulator } from '../providers/aggregator/simulator.js';
import { startApimartSimulator } from '../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../providers/legnext/simulator.js';
import type { Simulator } from '../providers/sim/kit.js';

const env = process.env;
const host = env.SIM_HOST || '0.0.0.0';
const publicHost = env.SIM_PUBLIC_HOST || '127.0.0.1';
const jobMs = Number(env.SIM_JOB_MS) || 3000;

function port(name: string, fallback: number): number {
  const raw = env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new Error(`${name} must be a TCP port, got "${raw}"`);
  return value;
}

const specs = [
  { name: 'legnext', start: startLegnextSimulator, port: port('LEGNEXT_SIM_PORT', 9101), apiKey: env.LEGNEXT_SIM_KEY || 'sim-legnext-key', path: '/api' },
  { name: 'apimart', start: startApimartSimulator, port: port('APIMART_SIM_PORT', 9102), apiKey: env.APIMART_SIM_KEY || 'sim-apimart-key', path: '' },
  { name: 'aggregator', start: startAggregatorSimulator, port: port('AGGREGATOR_SIM_PORT', 9103), apiKey: env.AGGREGATOR_SIM_KEY || 'sim-aggregator-key', path: '' },
];

const sims: Simulator[] = [];

async function stop(code: number): Promise<never> {
  await Promise.allSettled(sims.map((s) => s.close()));
  process.exit(code);
}

async function main(): Promise<void> {
  for (const spec of specs) {
    const sim = await spec.start({ apiKey: spec.apiKey, port: spec.port, host, serveFiles: true });
    sim.state.behaviour.jobDurationMs = jobMs;
    sims.push(sim);
    process.stdout.write(`${spec.name.padEnd(10)} http://${publicHost}:${sim.port}${spec.path}  (key ${spec.apiKey})\n`);
  }
  process.stdout.write(`simulators up on ${host}; jobs take ${jobMs} ms; prompt directives [sim:fail] [sim:banned] [sim:never] [sim:slow]\n`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(0));

main().catch((err: unknown) => {
  process.stderr.write(`simulators: cannot start: ${(err as Error).message}\n`);
  void stop(1);
});
