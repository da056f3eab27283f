import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, TENANT_A_KEY } from '../helpers/gateway.js';
import { useThreeProviders } from '../helpers/three-providers.js';
import { taskClient } from '../helpers/tasks.js';

const IMG = 'https://images.example.com/source.png';
const END = 'https://images.example.com/end.png';
const canvas = { width: 1024, height: 1024 };
const imagePosition = { width: 512, height: 512, x: 256, y: 256 };
const kinds = (t: Task) => [...new Set((t.followUps ?? []).map((f) => f.action))].sort();

describe('the later actions where each provider has them, and refusals where it has not', () => {
  const stage = useThreeProviders();
  const { run } = taskClient(() => stage.gw);
  const posts = (sim: Simulator) => sim.state.requests.filter((r) => r.method === 'POST');
  const refused = async (body: Record<string, unknown>) => {
    const res = await api(stage.gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('action_not_supported');
    return res.body.error.message as string;
  };


  it('sends the video options to APIMart as its own fields, and offers no video follow-up it cannot run', async () => {
    const t = await run({ action: 'video', imageUrl: IMG, prompt: 'tide', motion: 'low', batchSize: 2, endImageUrl: END, provider: 'apimart' });
    expect(t).toMatchObject({ status: 'succeeded', provider: 'apimart' });
    expect(posts(stage.apimart).map((r) => [r.path, r.body])).toEqual([
      ['/v1/midjourney/generations/video', { image_urls: [IMG], prompt: 'tide', video_type: 'vid_1.1_i2v_480', motion: 'low', batch_size: 2, end_url: END }],
    ]);
    expect(t.output!.videoUrls).toHaveLength(2);
    expect(t.followUps).toEqual([]);
    expect(await refused({ action: 'video_extend', taskId: t.id, index: 1 })).toMatch(/must run on apimart.*APIMart has no video_extend/);
  });

  it('sends edit and uploadpaint to the aggregator with exactly the documented params', async () => {
    const parent = await run({ action: 'imagine', prompt: 'a harbour', provider: 'vtrix' });
    const remote = stage.vtrix.state.jobs.get(parent.upstreamId!)!.extra.remoteJobId;
    await run({ action: 'edit', taskId: parent.id, index: 3, prompt: 'boats', canvas, imagePosition });
    const mask = { areas: [{ width: 500, height: 500, points: [0, 0, 100, 0, 100, 100] }] };
    await run({ action: 'edit', imageUrl: IMG, prompt: 'a pier', canvas, imagePosition, mask, provider: 'vtrix' });
    expect(posts(stage.vtrix).slice(1).map((r) => r.body)).toEqual([
      { model: 'midjourney_edit', jobId: remote, imageNo: 2, canvas, imgPos: imagePosition, remixPrompt: 'boats' },
      { model: 'midjourney_uploadpaint', imgUrl: IMG, canvas, imgPos: imagePosition, remixPrompt: 'a pier', mask },
    ]);
  });

  it('routes turbo on Midjourney V8 past Legnext, which refuses it, to a provider that takes it', async () => {
    const t = await run({ action: 'imagine', prompt: 'a fox --v 8 --turbo' });
    expect(t).toMatchObject({ status: 'succeeded', provider: 'apimart' });
    expect(posts(stage.apimart).map((r) => r.body)).toEqual([{ prompt: 'a fox --v 8', speed: 'turbo' }]);
    expect(posts(stage.legnext)).toEqual([]);
  });

  it('fails a task APIMart cancelled upstream with its reason, as a provider-side failure', async () => {
    stage.apimart.state.behaviour.outcome = { kind: 'cancel', message: 'the modal step was not answered in 30 min' };
    const t = await run({ action: 'imagine', prompt: 'a kite', speed: 'relax' });
    expect(t).toMatchObject({ status: 'failed', provider: 'apimart', error: { code: 'upstream_error', message: expect.stringContaining('not answered in 30 min') } });
  });

  it('lists the follow-ups an aggregator grid allows: its classic buttons and edit, none of the Legnext-only ones', async () => {
    const t = await run({ action: 'imagine', prompt: 'a dune --v 7 --draft', provider: 'vtrix' });
    expect(kinds(t)).toEqual(['edit', 'inpaint', 'pan', 'remix', 'reroll', 'upscale', 'variation', 'video', 'zoom']);
  });

  it('refuses every later root action pinned to a provider without it, naming the provider, and sends nothing', async () => {
    const roots = [
      { action: 'remove_background', imageUrl: IMG },
      { action: 'upscale_hd', imageUrl: IMG, resolution: '4K' },
      { action: 'retexture', imageUrl: IMG, prompt: 'marble' },
    ];
    for (const body of roots) expect(await refused({ ...body, provider: 'vtrix' })).toContain(`vtrix: the aggregator has no ${body.action}`);
    for (const body of roots.slice(0, 2)) expect(await refused({ ...body, provider: 'apimart' })).toContain(`apimart: APIMart has no ${body.action}`);
    expect(posts(stage.vtrix).length + posts(stage.apimart).length).toBe(0);
  });

  it("refuses later follow-ups the parent's provider does not have, naming it", async () => {
    const grid = await run({ action: 'imagine', prompt: 'a field --v 7 --draft', provider: 'apimart' });
    expect(await refused({ action: 'enhance', taskId: grid.id, index: 1 })).toMatch(/must run on apimart.*APIMart has no enhance/);
    expect(await refused({ action: 'upscale_hd', taskId: grid.id, index: 1, resolution: '2K' })).toMatch(/APIMart has no upscale_hd/);
    const onVtrix = await run({ action: 'imagine', prompt: 'a field --v 7 --draft', provider: 'vtrix' });
    expect(await refused({ action: 'enhance', taskId: onVtrix.id, index: 2 })).toMatch(/must run on vtrix.*the aggregator has no enhance/);
  });
});
