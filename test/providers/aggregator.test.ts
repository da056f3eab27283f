import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { bodyStyleOf, wireBody } from '../../providers/aggregator/api.js';
import { codeClass, errorBody, taskFailure } from '../../providers/aggregator/errors.js';
import { AGGREGATOR_CAPABILITIES, createAggregatorAdapter } from '../../providers/aggregator/index.js';
import { aggregatorSnapshot, readTask } from '../../providers/aggregator/job.js';
import { aggregatorRequest } from '../../providers/aggregator/submit.js';
import type { CanonicalRequest, JobSnapshot } from '../../providers/types.js';
import {
  COMPLETED_DERIVED, FAILED_CLI_STRING, FAILED_MJ_PAGE, FAILED_VEO_PAGE, IN_PROGRESS_DERIVED, SUBMIT_DERIVED, V1_COMPLETED, V3_CODES,
} from './aggregator-samples.js';

const parent = { upstreamId: 'task_parent01', action: 'imagine' as const, state: {}, output: null };
const withJob = { ...parent, state: { jobId: 'a616de55-6130-4e1f-b8cd-531ed0599353' } };

describe('aggregator request translation', () => {
  it('sends imagine as midjourney_diffusion with image prompts before the text, and the callback', () => {
    const { model, params } = aggregatorRequest({ request: { action: 'imagine', prompt: 'a cat --ar 16:9', imageUrls: ['https://x/a.png'] }, callbackUrl: 'https://gw/cb' });
    expect(wireBody('flat', model, params)).toEqual({ model: 'midjourney_diffusion', text: 'https://x/a.png a cat --ar 16:9', callback: 'https://gw/cb' });
  });

  it('wraps the params as input[0].params in the wrapped style', () => {
    const { model, params } = aggregatorRequest({ request: { action: 'variation', taskId: 't', index: 2 }, parent: withJob });
    expect(wireBody('wrapped', model, params)).toEqual({
      model: 'midjourney_variation',
      input: [{ params: { jobId: withJob.state.jobId, imageNo: 1, type: 0 } }],
    });
  });

  it.each<[CanonicalRequest, string, Record<string, unknown>]>([
    [{ action: 'variation', taskId: 't', index: 4, strength: 'strong', prompt: 'more red' }, 'midjourney_variation', { imageNo: 3, type: 1, remixPrompt: 'more red' }],
    [{ action: 'upscale', taskId: 't', index: 1 }, 'midjourney_upscale', { imageNo: 0, type: 0 }],
    [{ action: 'upscale', taskId: 't', index: 2, mode: 'creative' }, 'midjourney_upscale', { imageNo: 1, type: 1 }],
    [{ action: 'reroll', taskId: 't' }, 'midjourney_reroll', {}],
    [{ action: 'remix', taskId: 't', index: 1, prompt: 'p' }, 'midjourney_remix', { imageNo: 0, remixPrompt: 'p', mode: 0 }],
    [{ action: 'remix', taskId: 't', index: 1, prompt: 'p', strength: 'subtle' }, 'midjourney_remix', { imageNo: 0, remixPrompt: 'p', mode: 1 }],
    [{ action: 'pan', taskId: 't', index: 1, direction: 'left' }, 'midjourney_pan', { imageNo: 0, direction: 3, scale: 1.5 }],
    [{ action: 'pan', taskId: 't', index: 3, direction: 'down', scale: 2 }, 'midjourney_pan', { imageNo: 2, direction: 0, scale: 2 }],
    [{ action: 'zoom', taskId: 't', index: 3 }, 'midjourney_outpaint', { imageNo: 2, scale: 2 }],
    [{ action: 'inpaint', taskId: 't', index: 2, mask: { url: 'https://x/m.png' }, prompt: 'a hat' }, 'midjourney_inpaint', { imageNo: 1, mask: { url: 'https://x/m.png' }, remixPrompt: 'a hat' }],
    [{ action: 'video', taskId: 't', index: 1, resolution: '720p' }, 'midjourney_video_diffusion', { imageNo: 0, videoType: 1 }],
  ])('translates a follow-up %#', (request, model, expected) => {
    expect(aggregatorRequest({ request, parent: withJob })).toEqual({ model, params: { jobId: withJob.state.jobId, ...expected } });
  });

  it.each<[CanonicalRequest, string, Record<string, unknown>]>([
    [{ action: 'blend', imageUrls: ['https://x/1.png', 'https://x/2.png'] }, 'midjourney_blend', { imgUrls: ['https://x/1.png', 'https://x/2.png'], aspect_ratio: '1:1' }],
    [{ action: 'describe', imageUrl: 'https://x/1.png' }, 'midjourney_describe', { imgUrl: 'https://x/1.png' }],
    [{ action: 'shorten', prompt: 'a very long prompt' }, 'midjourney_shorten', { prompt: 'a very long prompt' }],
    [{ action: 'video', imageUrl: 'https://x/1.png', prompt: 'waves' }, 'midjourney_video_diffusion', { prompt: 'https://x/1.png waves', videoType: 0 }],
  ])('translates a root action %#', (request, model, params) => {
    expect(aggregatorRequest({ request })).toEqual({ model, params });
  });

  it('names the parent by state.jobId when its output carried one, else by the task id', () => {
    const req: CanonicalRequest = { action: 'reroll', taskId: 't' };
    expect(aggregatorRequest({ request: req, parent: withJob }).params.jobId).toBe('a616de55-6130-4e1f-b8cd-531ed0599353');
    expect(aggregatorRequest({ request: req, parent }).params.jobId).toBe('task_parent01');
  });

  it('refuses every explicit speed, as the aggregator has no speed control', () => {
    const adapter = createAggregatorAdapter({ id: 'a', apiKey: 'k', timeoutMs: 1000, dispatcher: new Agent() });
    for (const speed of ['relax', 'fast', 'turbo'] as const) expect(adapter.unsupported({ action: 'imagine', prompt: 'x', speed })).toMatch(/speed/);
    expect(adapter.unsupported({ action: 'imagine', prompt: 'x' })).toBeNull();
    expect(Object.values(AGGREGATOR_CAPABILITIES.actions).every((cap) => cap.speeds.length === 0)).toBe(true);
    expect(AGGREGATOR_CAPABILITIES.callbacks).toBe(true);
  });

  it('takes bodyStyle flat (default) or wrapped and rejects anything else', () => {
    expect(bodyStyleOf(undefined)).toBe('flat');
    expect(bodyStyleOf({ bodyStyle: 'wrapped' })).toBe('wrapped');
    expect(() => bodyStyleOf({ bodyStyle: 'nested' })).toThrow(/bodyStyle/);
  });
});

describe('aggregator task mapping', () => {
  it('reads V1 (CLI sample): task_id as the id and a video_url item as a video', () => {
    const task = readTask(V1_COMPLETED)!;
    expect(task.id).toBe('task_abc001');
    expect(aggregatorSnapshot(task)).toEqual({
      status: 'succeeded',
      progress: 100,
      output: { gridImageUrl: null, imageUrls: [], videoUrls: ['https://cdn.vtrix.ai/outputs/task_abc001/output.mp4'], prompts: [], seed: null },
    });
  });

  it('reads the derived submit answer as queued, also inside a {code, data} envelope', () => {
    expect(readTask(SUBMIT_DERIVED)?.id).toBe('task_01hx9variation');
    expect(aggregatorSnapshot(readTask(SUBMIT_DERIVED)!)).toEqual({ status: 'queued', progress: 0 });
    expect(readTask({ code: 0, message: 'ok', data: SUBMIT_DERIVED })?.id).toBe('task_01hx9variation');
  });

  it('turns the 0.0-1.0 progress into a percent, and keeps one already above 1', () => {
    expect(aggregatorSnapshot(readTask(IN_PROGRESS_DERIVED)!)).toEqual({ status: 'running', progress: 42 });
    expect(aggregatorSnapshot({ id: 'x', status: 'processing', progress: 57 })).toEqual({ status: 'running', progress: 57 });
    expect(aggregatorSnapshot({ id: 'x', status: 'a-new-word' }).status).toBe('running');
  });

  it('reads a completed Midjourney task: four images, the USD cost, and the remote jobId into state', () => {
    const snap = aggregatorSnapshot(readTask(COMPLETED_DERIVED)!);
    expect(snap.output?.imageUrls).toEqual([0, 1, 2, 3].map((n) => `https://cdn.vtrix.ai/mj/f00d_${n}.png`));
    expect(snap.output?.gridImageUrl).toBeNull();
    expect(snap.cost).toEqual({ amountUsd: 0.08, reported: true });
    expect(snap.state).toEqual({ jobId: 'a616de55-6130-4e1f-b8cd-531ed0599353' });
  });

  it('reads text items as prompts and a grid item as the grid', () => {
    const snap = aggregatorSnapshot({
      id: 'x', status: 'completed',
      output: [{ content: [{ type: 'grid', url: 'https://x/g.png' }, { type: 'text', text: 'one' }, { type: 'text', content: 'two' }] }],
    });
    expect(snap.output).toMatchObject({ gridImageUrl: 'https://x/g.png', imageUrls: [], prompts: ['one', 'two'] });
  });

  it.each<[string, object, JobSnapshot['failure']]>([
    ['{code: int, error_message}', FAILED_MJ_PAGE, { kind: 'provider', code: 8004004098, message: 'Generation process failed' }],
    ['{code: string, message}', FAILED_VEO_PAGE, { kind: 'invalid_request', code: '8004004003', message: 'Invalid image number' }],
    ['a plain string', FAILED_CLI_STRING, { kind: 'content_rejected', code: undefined, message: 'Banned Prompt: the prompt was refused by moderation' }],
  ])('reads a failed task whose error is %s', (_, body, failure) => {
    expect(aggregatorSnapshot(readTask(body)!)).toEqual({ status: 'failed', failure });
  });

  it('calls a failed 099 and an unexplained failure provider-side', () => {
    expect(taskFailure({ code: 8004004099, error_message: 'Provider unavailable' }).kind).toBe('provider');
    expect(taskFailure(undefined)).toEqual({ kind: 'provider', code: undefined, message: 'the provider reported the task as failed' });
  });
});

describe('aggregator error codes', () => {
  const expected = (code: number | string) => {
    const suffix = String(code).slice(-3);
    return suffix === '098' ? 'provider' : suffix === '099' ? 'unavailable' : 'invalid_request';
  };
  it.each(V3_CODES)('classifies %s (%s)', (code) => {
    expect(codeClass(code)).toBe(expected(code));
  });

  it.each([[0], [500], ['002014001'], [8004004000], [8004004500], [undefined], ['not a code']])('leaves %s unclassified', (code) => {
    expect(codeClass(code)).toBeUndefined();
  });

  it('reads every synchronous error body shape', () => {
    expect(errorBody({ code: 8004004001, error_message: 'Job ID missing' })).toEqual({ code: 8004004001, message: 'Job ID missing' });
    expect(errorBody({ code: '401', message: 'API key is missing or invalid' })).toEqual({ code: '401', message: 'API key is missing or invalid' });
    expect(errorBody({ error: { code: 429, message: 'Rate limit exceeded' } })).toEqual({ code: 429, message: 'Rate limit exceeded' });
    expect(errorBody({ error: 'Internal server error' })).toEqual({ message: 'Internal server error' });
    expect(errorBody('Rate limit exceeded')).toEqual({ message: 'Rate limit exceeded' });
    expect(errorBody(undefined, 'upstream connect error')).toEqual({ message: 'upstream connect error' });
  });
});
