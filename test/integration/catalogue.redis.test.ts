import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, TENANT_A_KEY } from '../helpers/gateway.js';
import { useThreeProviders } from '../helpers/three-providers.js';
import { taskClient } from '../helpers/tasks.js';

const KEY = TENANT_A_KEY;
const IMG = 'https://images.example.com/source.png';
const canvas = { width: 1024, height: 1024 };
const imagePosition = { width: 512, height: 512, x: 256, y: 256 };

describe('the later catalogue actions through the simulators', () => {
  const stage = useThreeProviders();
  const { run } = taskClient(() => stage.gw);
  const sent = (sim: Simulator, path: string) => sim.state.requests.filter((r) => r.method === 'POST' && r.path === path).map((r) => r.body as Record<string, unknown>);


  it('edits a grid image and an uploaded image on Legnext with the documented bodies', async () => {
    const parent = await run({ action: 'imagine', prompt: 'a castle', provider: 'legnext-main' });
    const edit = await run({ action: 'edit', taskId: parent.id, index: 2, prompt: 'add a flag', canvas, imagePosition });
    expect(edit).toMatchObject({ status: 'succeeded', provider: 'legnext-main', parentId: parent.id, cost: { amountUsd: 0.12, reported: true } });
    expect(edit.output!.imageUrls).toHaveLength(4);
    expect(sent(stage.legnext, '/api/v1/edit')).toEqual([{ jobId: parent.upstreamId, imageNo: 1, canvas, imgPos: imagePosition, remixPrompt: 'add a flag' }]);

    const mask = { url: 'https://images.example.com/mask.png' };
    const upload = await run({ action: 'edit', imageUrl: IMG, prompt: 'a garden', canvas, imagePosition, mask });
    expect(upload).toMatchObject({ status: 'succeeded', provider: 'legnext-main', parentId: null });
    expect(sent(stage.legnext, '/api/v1/upload-paint')).toEqual([{ imgUrl: IMG, canvas, imgPos: imagePosition, remixPrompt: 'a garden', mask }]);
  });

  it('runs retexture, remove_background and an image-URL upscale_hd on Legnext', async () => {
    const [retexture, removed, hd] = await Promise.all([
      run({ action: 'retexture', imageUrl: IMG, prompt: 'polished marble' }),
      run({ action: 'remove_background', imageUrl: IMG }),
      run({ action: 'upscale_hd', imageUrl: IMG, resolution: '4K', contentType: 'photo', format: 'png' }),
    ]);
    for (const t of [retexture, removed, hd]) expect(t).toMatchObject({ status: 'succeeded', provider: 'legnext-main' });
    expect(sent(stage.legnext, '/api/v1/retexture')).toEqual([{ imgUrl: IMG, remixPrompt: 'polished marble' }]);
    expect(sent(stage.legnext, '/api/v1/remove-background')).toEqual([{ imgUrl: IMG }]);
    expect(sent(stage.legnext, '/api/v1/enhance-upscale')).toEqual([{ image_url: IMG, target_resolution: '4K', content_type: 'photo', output_format: 'png' }]);
    expect(removed.output!.imageUrls).toHaveLength(1);
    expect(hd.output).toMatchObject({ gridImageUrl: null, imageUrls: [expect.stringMatching(/_up\.png$/)] });
    expect(hd.cost).toEqual({ amountUsd: 0.3, reported: true });
    // A background removal or a Topaz image is no Midjourney job a button could act on; a retexture grid is.
    expect([removed.followUps, hd.followUps]).toEqual([[], []]);
    expect(retexture.followUps).toContainEqual({ action: 'upscale', index: 4 });
  });

  it('runs enhance and upscale_hd as follow-ups of a grid', async () => {
    const parent = await run({ action: 'imagine', prompt: 'a fox --v 7 --draft' });
    const enhance = await run({ action: 'enhance', taskId: parent.id, index: 3 });
    const hd = await run({ action: 'upscale_hd', taskId: parent.id, index: 1, resolution: '8K', faceEnhancement: 'subtle' });
    for (const t of [enhance, hd]) expect(t).toMatchObject({ status: 'succeeded', provider: 'legnext-main', parentId: parent.id });
    expect(sent(stage.legnext, '/api/v1/enhance')).toEqual([{ jobId: parent.upstreamId, imageNo: 2 }]);
    expect(sent(stage.legnext, '/api/v1/enhance-upscale')).toEqual([{ jobId: parent.upstreamId, imageNo: 0, target_resolution: '8K', face_enhancement_level: 'subtle' }]);
  });

  it('extends and upscales one video of a video task, with the video options as prompt flags', async () => {
    const video = await run({ action: 'video', imageUrl: IMG, prompt: 'waves', motion: 'high', loop: true, batchSize: 2, raw: true });
    expect(sent(stage.legnext, '/api/v1/video-diffusion')).toEqual([{ prompt: `${IMG} waves --motion high --raw --loop --bs 2`, videoType: 0 }]);
    expect(video.output!.videoUrls).toHaveLength(2);
    const extended = await run({ action: 'video_extend', taskId: video.id, index: 2, prompt: 'the tide turns' });
    const upscaled = await run({ action: 'video_upscale', taskId: video.id, index: 1 });
    for (const t of [extended, upscaled]) expect(t).toMatchObject({ status: 'succeeded', provider: 'legnext-main', parentId: video.id });
    expect(sent(stage.legnext, '/api/v1/extend-video')).toEqual([{ jobId: video.upstreamId, videoNo: 1, prompt: 'the tide turns' }]);
    expect(sent(stage.legnext, '/api/v1/video-upscale')).toEqual([{ jobId: video.upstreamId, videoNo: 0 }]);
    expect(upscaled.output!.videoUrls).toHaveLength(1);
  });

  it('edits on the aggregator with midjourney_edit and midjourney_uploadpaint', async () => {
    const parent = await run({ action: 'imagine', prompt: 'a harbour', provider: 'vtrix' });
    const edit = await run({ action: 'edit', taskId: parent.id, index: 1, prompt: 'boats', canvas, imagePosition });
    expect(edit).toMatchObject({ status: 'succeeded', provider: 'vtrix' });
    const upload = await run({ action: 'edit', imageUrl: IMG, prompt: 'a pier', canvas, imagePosition, mask: { url: IMG }, provider: 'vtrix' });
    expect(upload).toMatchObject({ status: 'succeeded', provider: 'vtrix' });
    const models = stage.vtrix.state.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { model: string }).model);
    expect(models).toEqual(['midjourney_diffusion', 'midjourney_edit', 'midjourney_uploadpaint']);
    const edits = stage.vtrix.state.requests.filter((r) => (r.body as { model?: string })?.model === 'midjourney_edit').map((r) => r.body);
    expect(edits[0]).toMatchObject({ imageNo: 0, canvas, imgPos: imagePosition, remixPrompt: 'boats' });
  });

  it('refuses a new action pinned to a provider without it, naming the provider', async () => {
    const res = await api(stage.gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'remove_background', imageUrl: IMG, provider: 'apimart' } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'action_not_supported', message: expect.stringContaining('apimart: APIMart has no remove_background') });
    // Its `edits` takes no canvas, position or mask: a canonical edit never goes there.
    const edit = await api(stage.gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'edit', imageUrl: IMG, prompt: 'x', canvas, imagePosition, mask: { url: IMG }, provider: 'apimart' } });
    expect(edit.status).toBe(422);
    expect(edit.body.error.message).toContain('apimart: APIMart has no edit');
  });

  it('refuses a follow-up option its parent provider cannot honour (422, never dropped)', async () => {
    const parent = await run({ action: 'imagine', prompt: 'a bridge', provider: 'apimart' });
    const res = await api(stage.gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'zoom', taskId: parent.id, index: 1, scale: 1.8 } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/apimart.*"scale" 1\.8 of zoom/);
    expect(stage.apimart.state.requests.filter((r) => r.path.endsWith('/zoom'))).toHaveLength(0);
  });

  it('retextures on APIMart through its documented edits endpoint, with the exact body', async () => {
    const t = await run({ action: 'retexture', imageUrl: IMG, prompt: 'polished marble', provider: 'apimart' });
    expect(t).toMatchObject({ status: 'succeeded', provider: 'apimart', cost: { reported: true } });
    expect(t.output!.imageUrls).toHaveLength(4);
    expect(sent(stage.apimart, '/v1/midjourney/generations/edits')).toEqual([{ prompt: 'polished marble', image_urls: [IMG], speed: 'fast' }]);
    expect(t.followUps).toContainEqual({ action: 'upscale', index: 2 });
  });

  it('honours an upscale mode on an APIMart grid image: the crop first, then its subtle/creative button, both billed', async () => {
    const grid = await run({ action: 'imagine', prompt: 'a meadow', provider: 'apimart' });
    const creative = await run({ action: 'upscale', taskId: grid.id, index: 2, mode: 'creative' });
    expect(creative).toMatchObject({ status: 'succeeded', provider: 'apimart', parentId: grid.id });
    expect(creative.output!.imageUrls).toHaveLength(1);
    const [crop, upsample] = sent(stage.apimart, '/v1/midjourney/generations/upscale');
    expect(crop).toEqual({ task_id: grid.upstreamId, index: 2, speed: 'fast' });
    expect(upsample).toEqual({ task_id: expect.not.stringMatching(grid.upstreamId!), custom_id: expect.stringMatching(/^MJ::JOB::upsample_v7_2x_creative::1::/), speed: 'fast' });
    expect(stage.apimart.state.jobs.get(upsample!.task_id as string)!.action).toBe('upscale');
    // The simulator bills a crop $0.01 and the creative upscale $0.01 at fast.
    expect(creative.cost).toEqual({ amountUsd: 0.02, reported: true });

    const plain = await run({ action: 'upscale', taskId: grid.id, index: 3 });
    expect(sent(stage.apimart, '/v1/midjourney/generations/upscale').at(-1)).toEqual({ task_id: grid.upstreamId, index: 3, speed: 'fast' });
    expect(plain.output!.imageUrls).toHaveLength(1);
  });

  it('routes a video option only one provider honours to that provider', async () => {
    const t = await run({ action: 'video', imageUrl: IMG, prompt: 'clouds', loop: true });
    expect(t.provider).toBe('legnext-main');
    const noLoop = await api(stage.gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'video', imageUrl: IMG, prompt: 'clouds', loop: true, provider: 'apimart' } });
    expect(noLoop.status).toBe(422);
    expect(noLoop.body.error.message).toMatch(/option "loop" of video/);
  });

  it('keeps every text describe and shorten return', async () => {
    const [described, shortened] = await Promise.all([
      run({ action: 'describe', imageUrl: IMG, provider: 'legnext-main' }),
      run({ action: 'shorten', prompt: 'a very very long prompt', provider: 'legnext-main' }),
    ]);
    expect(described.output!.prompts).toHaveLength(4);
    expect(described.output!.texts).toEqual({ description: described.output!.prompts.join('\n\n') });
    expect(shortened.output!.texts).toEqual({ promptEn: 'a very very long prompt', finalPrompt: shortened.output!.prompts[0] });
  });

  it('rejects a malformed new body with a 400 that says what to fix', async () => {
    const res = await api(stage.gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'upscale_hd', imageUrl: IMG, resolution: '16K' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error)).toMatch(/resolution/);
    const both = await api(stage.gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'edit', imageUrl: IMG, prompt: 'x', canvas, imagePosition } });
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body.error)).toMatch(/needs a mask/);
  });
});
