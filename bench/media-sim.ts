/**
 * S7's upstream, in its own process: the Legnext simulator with served output files of `FILE_BYTES` each (padded
 * PNGs), jobs of 200 ms. Prints one JSON line `{"sim":port}` when ready. Env: SIM_KEY, FILE_BYTES.
 */
import { startLegnextSimulator } from '../providers/legnext/simulator.js';

const sim = await startLegnextSimulator({ apiKey: process.env.SIM_KEY || 'bench-sim-key', port: 0, host: '127.0.0.1', serveFiles: true });
sim.state.behaviour.jobDurationMs = 200;
sim.state.fileBytes = Number(process.env.FILE_BYTES) || 5 * 1024 * 1024;
// The kit keeps every request it answers; the bench never reads them.
sim.state.requests.push = () => 0;
process.stdout.write(`${JSON.stringify({ sim: sim.port })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void sim.close().then(() => process.exit(0)));
