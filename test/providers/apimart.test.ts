import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import type { UpstreamResponse } from '../../providers/http.js';
import { apimartErrorBody, apimartHttpError, bodyCodeError, taskFailure } from '../../providers/apimart/errors.js';
import { APIMART_CAPABILITIES, createApimartAdapter } from '../../providers/apimart/index.js';
import { describePrompts, mjSnapshot, readMjTask, readSubmitAnswer } from '../../providers/apimart/job.js';
import { apimartPlan, apimartRequest, modalCall } from '../../providers/apimart/submit.js';
import { readUnifiedTask, unifiedSnapshot } from '../../providers/apimart/unified.js';
import type { CanonicalRequest, ParentRef } from '../../providers/types.js';
import {
  A1_SUBMIT, A2_MJ_SUCCESS, A3A_UNIFIED_COMPLETED, A3B_UNIFIED_COMPLETED, A4_INPAINT_MODAL, A5_VARIATION_SUCCESS, A6_DESCRIBE, A7_ERRORS,
} from './apimart-samples.js';

const GEN = '/v1/midjourney/generations';
const grid: ParentRef = { upstreamId: 'task_01KQVZAPBW13W63DQNQZT7FCQK', action: 'imagine', state: {}, output: null };
const upscaled: ParentRef = { upstreamId: 'task_UP', action: 'upscale', state: {}, output: null };

describe('APIMart request translation', () => {
  it('sends imagine with speed fast when the client named none, and the client speed otherwise', () => {
    expect(apimartRequest({ request: { action: 'imagine', prompt: 'a cat --ar 16:9' } })).toEqual({ path: `${GEN}/imagine`, body: { prompt: 'a cat --ar 16:9', speed: 'fast' } });
    expect(apimartRequest({ request: { action: 'imagine', prompt: 'a cat', imageUrls: ['https://x/a.png'], speed: 'relax' } }).body)
      .toEqual({ prompt: 'a cat', image_urls: ['https://x/a.png'], speed: 'relax' });
  });

  it('keeps index 1-4 as is and picks the variation endpoint by strength', () => {
    expect(apimartRequest({ request: { action: 'variation', taskId: 't', index: 4 }, parent: grid }))
      .toEqual({ path: `${GEN}/variation`, body: { task_id: grid.upstreamId, index: 4, speed: 'fast' } });
    expect(apimartRequest({ request: { action: 'variation', taskId: 't', index: 1, strength: 'strong', speed: 'turbo' }, parent: grid }))
      .toEqual({ path: `${GEN}/high-variation`, body: { task_id: grid.upstreamId, index: 1, speed: 'turbo' } });
  });

  it('picks the remix endpoint by strength, strong by default', () => {
    expect(apimartRequest({ request: { action: 'remix', taskId: 't', index: 2, prompt: 'now blue' }, parent: grid }))
      .toEqual({ path: `${GEN}/remix-strong`, body: { task_id: grid.upstreamId, index: 2, prompt: 'now blue', speed: 'fast' } });
    expect(apimartRequest({ request: { action: 'remix', taskId: 't', index: 2, prompt: 'x', strength: 'subtle' }, parent: grid }).path).toBe(`${GEN}/remix-subtle`);
  });

  it('upscales a grid image by index, and an upscaled image through its subtle/creative button', () => {
    expect(apimartRequest({ request: { action: 'upscale', taskId: 't', index: 3 }, parent: grid }))
      .toEqual({ path: `${GEN}/upscale`, body: { task_id: grid.upstreamId, index: 3, speed: 'fast' } });
    const buttons = [
      { customId: 'MJ::JOB::upsample_v7_2x_subtle::1::abc::SOLO', label: 'Upscale (Subtle)' },
      { customId: 'MJ::JOB::upsample_v7_2x_creative::1::abc::SOLO', label: 'Upscale (Creative)' },
    ];
    const parent = { ...upscaled, state: { buttons } };
    expect(apimartRequest({ request: { action: 'upscale', taskId: 't', index: 1, mode: 'creative' }, parent }).body)
      .toEqual({ task_id: 'task_UP', custom_id: 'MJ::JOB::upsample_v7_2x_creative::1::abc::SOLO', speed: 'fast' });
    expect(apimartRequest({ request: { action: 'upscale', taskId: 't', index: 1 }, parent }).body).toMatchObject({ custom_id: buttons[0]!.customId });
  });

  it('sends reroll with the parent only', () => {
    expect(apimartRequest({ request: { action: 'reroll', taskId: 't' }, parent: grid })).toEqual({ path: `${GEN}/reroll`, body: { task_id: grid.upstreamId, speed: 'fast' } });
  });

  it('upscales first when pan, zoom, inpaint or an upscale with a mode target a grid', () => {
    for (const request of [
      { action: 'upscale', taskId: 't', index: 2, mode: 'subtle' },
      { action: 'pan', taskId: 't', index: 2, direction: 'left' },
      { action: 'zoom', taskId: 't', index: 2 },
      { action: 'inpaint', taskId: 't', index: 2, mask: { url: 'https://x/m.png' } },
    ] as CanonicalRequest[]) {
      expect(apimartPlan({ request, parent: grid })).toEqual({ call: { path: `${GEN}/upscale`, body: { task_id: grid.upstreamId, index: 2, speed: 'fast' } }, state: { step: 'upscale' } });
    }
  });

  it('sends pan, zoom and inpaint straight on an upscaled parent, without index', () => {
    expect(apimartPlan({ request: { action: 'pan', taskId: 't', index: 1, direction: 'up', scale: 2 }, parent: upscaled }))
      .toEqual({ call: { path: `${GEN}/pan`, body: { task_id: 'task_UP', direction: 'up', speed: 'fast' } }, state: {} });
    expect(apimartRequest({ request: { action: 'zoom', taskId: 't', index: 1, scale: 1.5 }, parent: upscaled }).body).toEqual({ task_id: 'task_UP', zoom_ratio: 1.5, speed: 'fast' });
    expect(apimartRequest({ request: { action: 'zoom', taskId: 't', index: 1 }, parent: upscaled }).body).toMatchObject({ zoom_ratio: 2 });
    expect(apimartRequest({ request: { action: 'inpaint', taskId: 't', index: 1, mask: { url: 'https://x/m.png' } }, parent: upscaled }))
      .toEqual({ path: `${GEN}/inpaint`, body: { task_id: 'task_UP', speed: 'fast' } });
  });

  it('sends the mask and prompt with /modal', () => {
    expect(modalCall({ action: 'inpaint', taskId: 't', index: 1, mask: { url: 'https://x/m.png' }, prompt: 'a hat' }, 'task_IN'))
      .toEqual({ path: `${GEN}/modal`, body: { task_id: 'task_IN', prompt: 'a hat', mask_url: 'https://x/m.png' } });
  });

  it('maps the blend aspect ratio to dimensions, square by default', () => {
    const urls = ['https://x/1.png', 'https://x/2.png'];
    expect(apimartRequest({ request: { action: 'blend', imageUrls: urls, aspectRatio: '2:3' } })).toEqual({ path: `${GEN}/blend`, body: { image_urls: urls, dimensions: 'PORTRAIT', speed: 'fast' } });
    expect(apimartRequest({ request: { action: 'blend', imageUrls: urls, aspectRatio: '3:2' } }).body).toMatchObject({ dimensions: 'LANDSCAPE' });
    expect(apimartRequest({ request: { action: 'blend', imageUrls: urls } }).body).toMatchObject({ dimensions: 'SQUARE' });
  });

  it('sends describe as a one-element image_urls', () => {
    expect(apimartRequest({ request: { action: 'describe', imageUrl: 'https://x/a.png', speed: 'turbo' } })).toEqual({ path: `${GEN}/describe`, body: { image_urls: ['https://x/a.png'], speed: 'turbo' } });
  });

  it('sends video with a 0-based index, the resolution as video_type and no speed', () => {
    expect(apimartRequest({ request: { action: 'video', taskId: 't', index: 4, resolution: '720p' }, parent: grid }))
      .toEqual({ path: `${GEN}/video`, body: { task_id: grid.upstreamId, index: 3, video_type: 'vid_1.1_i2v_720' } });
    expect(apimartRequest({ request: { action: 'video', imageUrl: 'https://x/a.png', prompt: 'waves', speed: 'fast' } }).body)
      .toEqual({ image_urls: ['https://x/a.png'], prompt: 'waves', video_type: 'vid_1.1_i2v_480' });
  });

  it("follows a multi-step parent to the task that holds its result", () => {
    const parent: ParentRef = { ...grid, action: 'pan', state: { currentTaskId: 'task_PAN' } };
    expect(apimartRequest({ request: { action: 'variation', taskId: 't', index: 1 }, parent }).body).toMatchObject({ task_id: 'task_PAN' });
  });

  it('says what APIMart cannot do', () => {
    const a = createApimartAdapter({ id: 'a', apiKey: 'k', timeoutMs: 1000, dispatcher: new Agent() });
    expect(a.unsupported({ action: 'shorten', prompt: 'x' })).toBe('APIMart has no shorten');
    expect(a.unsupported({ action: 'inpaint', taskId: 't', index: 1, mask: { areas: [{ width: 500, height: 500, points: [0, 0, 1, 1, 2, 2] }] } })).toMatch(/mask/);
    expect(a.unsupported({ action: 'blend', imageUrls: ['1', '2', '3', '4', '5'] })).toMatch(/2 to 4/);
    expect(a.unsupported({ action: 'video', imageUrl: 'https://x/a.png', prompt: 'p', speed: 'relax' })).toMatch(/fast/);
    expect(a.unsupported({ action: 'variation', taskId: 't', index: 1, prompt: 'p' })).toMatch(/does not honour the option "prompt" of variation/);
    expect(a.unsupported({ action: 'pan', taskId: 't', index: 1, direction: 'up', prompt: 'p' })).toMatch(/option "prompt" of pan/);
    // Refused by name rather than dropped (pan) or rounded (zoom).
    expect(a.unsupported({ action: 'pan', taskId: 't', index: 1, direction: 'up', scale: 2 })).toMatch(/option "scale" of pan/);
    expect(a.unsupported({ action: 'zoom', taskId: 't', index: 1, scale: 1.8 })).toMatch(/"scale" 1.8 of zoom \(1.5 or 2 only\)/);
    expect(a.unsupported({ action: 'zoom', taskId: 't', index: 1, scale: 1.5 })).toBeNull();
    expect(a.unsupported({ action: 'video', imageUrl: 'https://x/a.png', prompt: 'p', loop: true })).toMatch(/option "loop" of video/);
    expect(a.unsupported({ action: 'video', imageUrl: 'https://x/a.png', prompt: 'p', motion: 'low', batchSize: 2 })).toBeNull();
    expect(a.unsupported({ action: 'enhance', taskId: 't', index: 1 })).toBe('APIMart has no enhance');
    expect(a.unsupported({ action: 'video', imageUrl: 'https://x/a.png' })).toMatch(/prompt/);
    expect(a.unsupported({ action: 'imagine', prompt: 'x', speed: 'relax' })).toBeNull();
    expect(a.unsupported({ action: 'inpaint', taskId: 't', index: 1, mask: { url: 'https://x/m.png' } })).toBeNull();
    expect(APIMART_CAPABILITIES.callbacks).toBe(false);
  });
});

describe('APIMart answers (documented samples)', () => {
  it('reads the submit envelope (A1), a data object, and the bare inpaint answer (A4)', () => {
    expect(readSubmitAnswer(A1_SUBMIT)).toMatchObject({ code: 200, taskId: 'task_01KV52C0TEJSYZMCG0NCS4YWKK', status: 'submitted' });
    expect(readSubmitAnswer({ code: 200, data: { status: 'submitted', task_id: 'task_X' } })).toMatchObject({ taskId: 'task_X' });
    expect(readSubmitAnswer(A4_INPAINT_MODAL)).toMatchObject({ taskId: 'task_03_inpaint...', status: 'modal' });
  });

  it('reads the MJ-style success (A2): grid, four images, buttons kept for children', () => {
    const snap = mjSnapshot(readMjTask(A2_MJ_SUCCESS)!, 'imagine');
    expect(snap).toEqual({
      status: 'succeeded',
      progress: 100,
      output: { gridImageUrl: 'https://cdn.apimart.ai/mj_xxxx.png', imageUrls: [0, 1, 2, 3].map((n) => `https://cdn.apimart.ai/mj_xxxx_${n}.png`), videoUrls: [], prompts: [], seed: null },
      cost: undefined,
      state: { buttons: A2_MJ_SUCCESS.buttons },
    });
  });

  it('reads the abridged variation success (A5)', () => {
    const snap = mjSnapshot(readMjTask(A5_VARIATION_SUCCESS)!);
    expect(snap.output?.imageUrls).toHaveLength(4);
    expect(snap.output?.gridImageUrl).toBe('...');
  });

  it('splits the describe text (A6) into four prompts without the keycaps', () => {
    expect(mjSnapshot(readMjTask(A6_DESCRIBE)!).output?.prompts).toEqual([
      'a serene mountain lake at sunrise --ar 3:2', 'mountain landscape with reflections --v 6.1', 'panoramic view of alpine lake --ar 16:9', 'dawn light over still water --s 250',
    ]);
    expect(describePrompts('1️⃣ a\n\n  \n2️⃣ b\r\n')).toEqual(['a', 'b']);
  });

  it('reads both unified shapes: url as a string[] (A3a) and as a string (A3b)', () => {
    expect(unifiedSnapshot(readUnifiedTask(A3A_UNIFIED_COMPLETED)!).output?.imageUrls).toEqual(A3A_UNIFIED_COMPLETED.data.result.images[0]!.url);
    expect(unifiedSnapshot(readUnifiedTask(A3B_UNIFIED_COMPLETED)!)).toMatchObject({ status: 'succeeded', progress: 100, output: { imageUrls: ['https://example.com/generated-image.png'], gridImageUrl: null } });
  });

  it.each([
    ['NOT_START', 'queued'], ['SUBMITTED', 'queued'], ['IN_PROGRESS', 'running'], ['MODAL', 'running'], ['SOMETHING_NEW', 'running'],
  ])('reads MJ-style status %s as %s', (status, expected) => {
    expect(mjSnapshot({ id: 'x', status, progress: '45%' }).status).toBe(expected);
  });

  it('reads "NN%" progress, video urls and a cost in USD', () => {
    expect(mjSnapshot({ status: 'IN_PROGRESS', progress: '45%' }).progress).toBe(45);
    const video = mjSnapshot({ status: 'SUCCESS', action: 'VIDEO', video_url: 'https://v/0.mp4', cost: 0.2 });
    expect(video.output?.videoUrls).toEqual(['https://v/0.mp4']);
    expect(video.cost).toEqual({ amountUsd: 0.2, reported: true });
  });

  it('classifies failures: moderation, wrong input, provider fault, cancel', () => {
    expect(mjSnapshot({ status: 'FAILURE', fail_reason: 'Banned Prompt: gore' }).failure).toEqual({ kind: 'content_rejected', message: 'Banned Prompt: gore' });
    expect(mjSnapshot({ status: 'FAILURE', fail_reason: 'task x is not in SUCCESS state' }).failure?.kind).toBe('invalid_request');
    expect(taskFailure('invalid generation request').kind).toBe('invalid_request');
    expect(mjSnapshot({ status: 'FAILURE', fail_reason: 'Generation process failed' }).failure?.kind).toBe('provider');
    expect(unifiedSnapshot({ id: 'x', status: 'failed', error: { code: 500, message: 'boom', type: 'task_failed' } }).failure).toEqual({ kind: 'provider', code: 500, message: 'boom' });
    expect(unifiedSnapshot({ id: 'x', status: 'cancelled' })).toMatchObject({ status: 'failed', failure: { kind: 'provider' } });
  });

  it('reads the three error body shapes', () => {
    expect(apimartErrorBody({ error: { type: 'rate_limit_error', message: 'slow down', code: 429 } })).toEqual({ code: 429, message: 'slow down' });
    expect(apimartErrorBody({ error: { type: 'authentication_error', message: 'bad key' } })).toEqual({ code: 'authentication_error', message: 'bad key' });
    expect(apimartErrorBody({ code: 4, message: 'task_id is required for reroll' })).toEqual({ code: 4, message: 'task_id is required for reroll' });
    expect(apimartErrorBody({ code: 24, msg: 'banned' })).toEqual({ code: 24, message: 'banned' });
  });

  const res = (status: number, json: unknown): UpstreamResponse => ({ status, headers: {}, json, text: JSON.stringify(json) });

  it.each([
    [0, 'invalid_request'], [1, 'invalid_request'], [2, 'not_found'], [3, 'unavailable'],
  ])('classifies A7 row %i as %s', (row, kind) => {
    const r = A7_ERRORS[row]!;
    expect(apimartHttpError(res(r.http, { code: r.code, message: r.description })).kind).toBe(kind);
  });

  it('classifies refusals inside a 200 body by code', () => {
    expect(bodyCodeError(res(200, {}), { code: 24, message: 'prompt refused' }).kind).toBe('content_rejected');
    expect(bodyCodeError(res(200, {}), { code: 4, message: 'index must be 1-4' }).kind).toBe('invalid_request');
    expect(bodyCodeError(res(200, {}), { code: 9, message: 'Service rejected' }).kind).toBe('unavailable');
    expect(apimartHttpError(res(400, { code: 24, message: 'refused' })).kind).toBe('content_rejected');
  });
});
