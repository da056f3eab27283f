import { describe, expect, it } from 'vitest';
import type { CanonicalRequest, TaskOutput } from '../../providers/types.js';
import { followUpsOf } from '../../src/domain/follow-ups.js';

const grid: TaskOutput = { gridImageUrl: 'g', imageUrls: ['a', 'b', 'c', 'd'], videoUrls: [], prompts: [], seed: null };
const task = (action: string, output: TaskOutput | null, status = 'succeeded', input: Record<string, unknown> = { prompt: 'a cat' }) =>
  ({ id: 'tsk_1', action, status, output, input }) as Parameters<typeof followUpsOf>[0];
const everything = () => true;

describe('followUpsOf', () => {
  it('is empty until the task succeeded', () => {
    expect(followUpsOf(task('imagine', null, 'running'), everything)).toEqual([]);
    expect(followUpsOf(task('imagine', grid, 'failed'), everything)).toEqual([]);
  });

  it('offers every grid button per image, and reroll, on an imagine grid', () => {
    const out = followUpsOf(task('imagine', grid), everything);
    expect(out.filter((f) => f.action === 'upscale')).toEqual([1, 2, 3, 4].map((index) => ({ action: 'upscale', index })));
    expect(out.at(-1)).toEqual({ action: 'reroll' });
    expect(new Set(out.map((f) => f.action))).toEqual(new Set(['upscale', 'variation', 'remix', 'pan', 'zoom', 'inpaint', 'edit', 'upscale_hd', 'video', 'reroll']));
  });

  it('keeps only what the provider can run, checked with each action\'s required fields', () => {
    const seen: CanonicalRequest[] = [];
    const onlyUpscaleAndPan = (req: CanonicalRequest) => (seen.push(req), req.action === 'upscale' || req.action === 'pan');
    expect(followUpsOf(task('variation', grid), onlyUpscaleAndPan).map((f) => `${f.action}${f.index}`)).toEqual(['upscale1', 'upscale2', 'upscale3', 'upscale4', 'pan1', 'pan2', 'pan3', 'pan4']);
    expect(seen.find((r) => r.action === 'pan')).toMatchObject({ direction: 'up' });
    expect(seen.find((r) => r.action === 'edit')).toMatchObject({ canvas: expect.any(Object), imagePosition: expect.any(Object) });
  });

  it('offers enhance only under a draft grid', () => {
    expect(followUpsOf(task('imagine', grid), everything).some((f) => f.action === 'enhance')).toBe(false);
    expect(followUpsOf(task('imagine', grid, 'succeeded', { prompt: 'a fox --v 7 --draft' }), everything).filter((f) => f.action === 'enhance')).toHaveLength(4);
  });

  it('offers index 1 only under an upscaled image, and nothing under a Topaz or background result', () => {
    const one = { ...grid, gridImageUrl: null, imageUrls: ['u'] };
    const out = followUpsOf(task('upscale', one), everything);
    expect(out.every((f) => f.index === 1)).toBe(true);
    expect(out.map((f) => f.action)).toEqual(['variation', 'remix', 'pan', 'zoom', 'inpaint', 'edit', 'upscale_hd', 'video']);
    expect(followUpsOf(task('upscale_hd', one), everything)).toEqual([]);
    expect(followUpsOf(task('remove_background', one), everything)).toEqual([]);
  });

  it('offers extend and upscale per video of a video task', () => {
    const videos = { ...grid, gridImageUrl: null, imageUrls: [], videoUrls: ['v1', 'v2'] };
    expect(followUpsOf(task('video', videos), everything)).toEqual([
      { action: 'video_extend', index: 1 }, { action: 'video_extend', index: 2 }, { action: 'video_upscale', index: 1 }, { action: 'video_upscale', index: 2 },
    ]);
    expect(followUpsOf(task('video_upscale', { ...videos, videoUrls: ['v'] }), everything)).toEqual([]);
  });

  it('offers nothing after describe or shorten', () => {
    expect(followUpsOf(task('describe', { ...grid, imageUrls: [], prompts: ['p'] }), everything)).toEqual([]);
  });
});
