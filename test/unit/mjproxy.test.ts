/** The midjourney-proxy translation without Redis: buttons and presses, request bodies, the Task VO. */
import { describe, expect, it } from 'vitest';
import type { CanonicalRequest } from '../../providers/types.js';
import { unsupportedByApimart } from '../../providers/apimart/index.js';
import { makePng } from '../../providers/sim/png.js';
import { buttonHash, buttonsOf, pressOf } from '../../src/ingress/mjproxy/buttons.js';
import * as t from '../../src/ingress/mjproxy/translate.js';
import { taskVo } from '../../src/ingress/mjproxy/vo.js';
import type { Task } from '../../src/schemas/task.js';

const output = { gridImageUrl: 'https://cdn/grid.png', imageUrls: ['https://cdn/1.png', 'https://cdn/2.png', 'https://cdn/3.png', 'https://cdn/4.png'], videoUrls: [], prompts: [], seed: '42' };
// Test data: the patches below keep each Task shape whole (output, error, finishedAt as its status has them).
const task = (patch: Partial<Task>): Task => ({
  id: 'tsk_01M90P0WTT00001HSTFJ6BBTT9KP0SJ3WV', action: 'imagine', status: 'succeeded', progress: 100, provider: 'p', upstreamId: 'u', parentId: null,
  input: { action: 'imagine', prompt: 'a fox' }, output, error: null, cost: null, attempts: [], metadata: {},
  createdAt: '2026-12-04T10:00:00.000Z', updatedAt: '2026-12-04T10:00:09.000Z', submittedAt: '2026-12-04T10:00:01.000Z', finishedAt: '2026-12-04T10:00:09.000Z',
  ...patch,
}) as Task;
const all = () => true;
const upscaled = task({ id: 'tsk_01M90P0WTT00001HSTFJ6BBTT9KP0SJ3XX', action: 'upscale', parentId: 'tsk_grid', input: { action: 'upscale', taskId: 'tsk_grid', index: 3 }, output: { ...output, imageUrls: ['https://cdn/u.png'] } });

describe('buttons', () => {
  it("carry a hash of their own task, so one task cannot press another task's buttons", () => {
    const a = buttonsOf(task({}), all).map((d) => d.button.customId);
    const b = buttonsOf(task({ id: 'tsk_01M90P0WTT00001HSTFJ6BBTT9KP0SJ3ZZ' }), all).map((d) => d.button.customId);
    expect(a[1]).toBe(`MJ::JOB::upsample::2::${buttonHash(task({}).id)}`);
    expect(a.some((id) => b.includes(id))).toBe(false);
    expect(pressOf(task({}), b[1]!, all)).toBeNull();
  });

  it('list only what the provider can run', () => {
    const labels = (canRun: (r: CanonicalRequest) => boolean) => buttonsOf(upscaled, canRun).map((d) => d.button.label || d.button.customId.split('::')[2]);
    expect(labels(all)).toContain('Vary (Region)');
    const noInpaint = labels((r) => r.action !== 'inpaint');
    expect(noInpaint).not.toContain('Vary (Region)');
    expect(noInpaint).toHaveLength(labels(all).length - 1);
    // APIMart's zoom takes no prompt, but a custom zoom only needs the scale: the button stays.
    expect(labels((r) => unsupportedByApimart(r) === null)).toContain('Custom Zoom');
  });

  it('are none until the task has succeeded', () => {
    expect(buttonsOf(task({ status: 'running', output: null, finishedAt: null }), all)).toEqual([]);
  });

  it('press into follow-ups on the grid the upscale came from, or MODAL steps', () => {
    const h = buttonHash(upscaled.id);
    expect(pressOf(upscaled, `MJ::JOB::pan_left::1::${h}::SOLO`, all)).toEqual({ body: { action: 'pan', taskId: 'tsk_grid', index: 3, direction: 'left' } });
    expect(pressOf(upscaled, `MJ::Outpaint::75::1::${h}::SOLO`, all)).toEqual({ body: { action: 'zoom', taskId: 'tsk_grid', index: 3, scale: 1.5 } });
    expect(pressOf(upscaled, `MJ::Inpaint::1::${h}::SOLO`, all)).toEqual({ modal: 'inpaint', base: { action: 'inpaint', taskId: 'tsk_grid', index: 3 } });
    expect(pressOf(upscaled, `MJ::JOB::animate_high::1::${h}::SOLO`, all)).toEqual({ body: { action: 'video', taskId: 'tsk_grid', index: 3, motion: 'high' } });
    expect(pressOf(upscaled, `MJ::JOB::animate_low::1::${h}::SOLO`, all)).toEqual({ body: { action: 'video', taskId: 'tsk_grid', index: 3, motion: 'low' } });
    const described = task({ action: 'describe', output: { ...output, prompts: ['a cat', 'a dog'] } });
    expect(pressOf(described, 'MJ::Job::PicReader::2', all)).toEqual({ body: { action: 'imagine', prompt: 'a dog' } });
  });
});

describe('request bodies', () => {
  it('read "<taskId> U2" and refuse anything else', () => {
    expect(t.simpleChange('tsk_a U2')).toEqual({ action: 'upscale', taskId: 'tsk_a', index: 2 });
    expect(t.simpleChange(' tsk_a v4 ')).toEqual({ action: 'variation', taskId: 'tsk_a', index: 4 });
    expect(t.simpleChange('tsk_a R')).toEqual({ action: 'reroll', taskId: 'tsk_a' });
    expect(() => t.simpleChange('tsk_a U5')).toThrow(/content must be/);
  });

  it('map botType, dimensions and bare base64', () => {
    expect(t.imagine({ prompt: 'a fox', botType: 'NIJI_JOURNEY', base64Array: ['iVBORw0KGgo='] })).toEqual({ action: 'imagine', prompt: 'a fox --niji', imageUrls: ['data:image/png;base64,iVBORw0KGgo='] });
    expect(t.blend({ base64Array: ['data:image/jpeg;base64,/9j/', 'https://x/y.png'], dimensions: 'PORTRAIT' })).toEqual({ action: 'blend', imageUrls: ['data:image/jpeg;base64,/9j/', 'https://x/y.png'], aspectRatio: '2:3' });
  });

  it('map video options, extend, edits and retexture', () => {
    expect(t.video({ taskId: 'tsk_a', index: 2, motion: 'high', loop: true, batchSize: 2, endImage: 'iVBORw0KGgo=' })).toEqual({
      action: 'video', taskId: 'tsk_a', index: 2, motion: 'high', loop: true, batchSize: 2, endImageUrl: 'data:image/png;base64,iVBORw0KGgo=',
    });
    expect(t.video({ action: 'extend', taskId: 'tsk_v', index: 1 })).toEqual({ action: 'video_extend', taskId: 'tsk_v', index: 1 });
    expect(() => t.video({ action: 'extend', taskId: 'tsk_v' })).toThrow(/taskId and index/);
    expect(() => t.video({ action: 'upscale', image: 'https://x/y.png' })).toThrow(/action must be "extend"/);
    const png = `data:image/png;base64,${makePng(300, 200).toString('base64')}`;
    expect(t.edits({ prompt: 'p', image: png, maskBase64: 'iVBORw0KGgo=' })).toEqual({
      action: 'edit', imageUrl: png, prompt: 'p', canvas: { width: 300, height: 200 }, imagePosition: { width: 300, height: 200, x: 0, y: 0 },
      mask: { url: 'data:image/png;base64,iVBORw0KGgo=' },
    });
    expect(t.describe({ link: 'https://x/y.png' })).toEqual({ action: 'describe', imageUrl: 'https://x/y.png' });
    expect(t.retexture({ prompt: 'p', base64Array: ['https://x/y.png'] })).toEqual({ action: 'retexture', imageUrl: 'https://x/y.png', prompt: 'p' });
  });

  it('complete MODAL steps from what submit/modal sends', () => {
    expect(t.completeModal('zoom', { action: 'zoom', taskId: 'g', index: 1 }, 'wider view --zoom 1.8', undefined)).toEqual({ action: 'zoom', taskId: 'g', index: 1, scale: 1.8, prompt: 'wider view' });
    expect(() => t.completeModal('zoom', {}, 'no scale', undefined)).toThrow(/--zoom/);
    expect(() => t.completeModal('inpaint', {}, 'x', undefined)).toThrow(/maskBase64 is required/);
    expect(() => t.completeModal('remix', {}, ' ', undefined)).toThrow(/prompt is required/);
  });
});

describe('the Task VO', () => {
  it('says status, progress, times and media as clients read them', () => {
    const vo = taskVo(task({}), { state: 's' }, all);
    expect(vo).toMatchObject({
      action: 'IMAGINE', status: 'SUCCESS', progress: '100%', state: 's', imageUrl: 'https://cdn/grid.png', seed: '42',
      submitTime: Date.parse('2026-12-04T10:00:00.000Z'), startTime: Date.parse('2026-12-04T10:00:01.000Z'), finishTime: Date.parse('2026-12-04T10:00:09.000Z'),
      properties: { finalPrompt: 'a fox', provider: 'p' },
    });
    expect(vo.imageUrls).toHaveLength(4);
    expect(taskVo(task({ status: 'queued', progress: 0, output: null, submittedAt: null, finishedAt: null }), undefined, all)).toMatchObject({ status: 'NOT_START', progress: '0%', imageUrl: null, buttons: [] });
    expect(taskVo(task({ status: 'failed', output: null, error: { code: 'content_rejected', message: 'banned word', provider: 'p', upstream: null } }), undefined, all)).toMatchObject({ status: 'FAILURE', failReason: 'banned word' });
  });
});
