import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { taskClient } from '../helpers/tasks.js';

const kinds = (t: Task) => [...new Set((t.followUps ?? []).map((f) => f.action))].sort();

describe('task.followUps, per provider and kind of task', () => {
  let legnext: Simulator;
  let apimart: Simulator;
  let gw: TestGateway;
  const { submit, run } = taskClient(() => gw);

  beforeAll(async () => {
    legnext = await startLegnextSimulator({ apiKey: 'lk' });
    apimart = await startApimartSimulator({ apiKey: 'ak' });
    for (const sim of [legnext, apimart]) sim.state.behaviour.jobDurationMs = 60;
    gw = await startGateway({
      providers: [
        { id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${legnext.url}/api` },
        { id: 'apimart', type: 'apimart', apiKey: 'ak', baseUrl: apimart.url, actions: ['imagine', 'upscale', 'variation', 'reroll', 'video'] },
      ],
    });
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([legnext, apimart].map((s) => s?.close()));
  });

  it('is empty on a task that has not succeeded', async () => {
    legnext.state.behaviour.jobDurationMs = 5000;
    const t = await submit({ action: 'imagine', prompt: 'slow', provider: 'legnext-main' });
    expect(t.followUps).toEqual([]);
    legnext.state.behaviour.jobDurationMs = 60;
  });

  it('lists every Legnext grid follow-up per image, enhance under a draft, and reroll', async () => {
    const t = await run({ action: 'imagine', prompt: 'a fox --v 7 --draft', provider: 'legnext-main' });
    expect(kinds(t)).toEqual(['edit', 'enhance', 'inpaint', 'pan', 'remix', 'reroll', 'upscale', 'upscale_hd', 'variation', 'video', 'zoom']);
    expect(t.followUps!.filter((f) => f.action === 'upscale').map((f) => f.index)).toEqual([1, 2, 3, 4]);
    const one = t.followUps!.find((f) => f.action === 'upscale' && f.index === 2)!;
    const up = await run({ action: one.action, taskId: t.id, index: one.index });
    expect(up.status).toBe('succeeded');
    expect(kinds(up)).toEqual(['edit', 'inpaint', 'pan', 'remix', 'upscale_hd', 'variation', 'video', 'zoom']);
  });

  it('lists only what an APIMart provider is enabled for', async () => {
    const t = await run({ action: 'imagine', prompt: 'a hare', provider: 'apimart' });
    expect(kinds(t)).toEqual(['reroll', 'upscale', 'variation', 'video']);
  });

  it('lists extend and upscale per video on a Legnext video task', async () => {
    const t = await run({ action: 'video', imageUrl: 'https://images.example.com/a.png', prompt: 'rain', batchSize: 2, provider: 'legnext-main' });
    expect(t.followUps).toEqual([
      { action: 'video_extend', index: 1 }, { action: 'video_extend', index: 2 }, { action: 'video_upscale', index: 1 }, { action: 'video_upscale', index: 2 },
    ]);
  });

  it('lists nothing after describe', async () => {
    const t = await run({ action: 'describe', imageUrl: 'https://images.example.com/a.png', provider: 'legnext-main' });
    expect(t.followUps).toEqual([]);
  });
});
