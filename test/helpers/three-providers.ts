/**
 * The three provider simulators behind one gateway, for a describe block: Legnext (`legnext-main`), the aggregator
 * (`vtrix`) and APIMart (`apimart`), in that priority. Started before its tests, reset after each, closed after all.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startAggregatorSimulator } from '../../providers/aggregator/simulator.js';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { startGateway, type TestGateway } from './gateway.js';

export interface ThreeProviders { legnext: Simulator; vtrix: Simulator; apimart: Simulator; gw: TestGateway }

export function useThreeProviders(jobDurationMs = 60): ThreeProviders {
  const stage = {} as ThreeProviders;
  const sims = () => [stage.legnext, stage.vtrix, stage.apimart];
  beforeAll(async () => {
    stage.legnext = await startLegnextSimulator({ apiKey: 'lk' });
    stage.vtrix = await startAggregatorSimulator({ apiKey: 'vk' });
    stage.apimart = await startApimartSimulator({ apiKey: 'ak' });
    for (const sim of sims()) sim.state.behaviour.jobDurationMs = jobDurationMs;
    stage.gw = await startGateway({
      providers: [
        { id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${stage.legnext.url}/api`, priority: 1 },
        { id: 'vtrix', type: 'aggregator', apiKey: 'vk', baseUrl: stage.vtrix.url, priority: 2 },
        { id: 'apimart', type: 'apimart', apiKey: 'ak', baseUrl: stage.apimart.url, priority: 3 },
      ],
    });
  });
  afterEach(() => {
    for (const sim of sims()) {
      sim.state.reset();
      sim.state.behaviour.jobDurationMs = jobDurationMs;
    }
  });
  afterAll(async () => {
    await stage.gw?.close();
    await Promise.all(sims().map((s) => s?.close()));
  });
  return stage;
}
