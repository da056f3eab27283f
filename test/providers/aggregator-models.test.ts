import { describe, expect, it } from 'vitest';
import { modelsOf } from '../../providers/aggregator/api.js';
import { createAggregatorAdapter } from '../../providers/aggregator/index.js';
import { aggregatorRequest } from '../../providers/aggregator/submit.js';

const parent = { upstreamId: 'task-1', action: 'imagine' as const, state: {}, output: null };

describe('the aggregator\'s unconfirmed model ids', () => {
  it('keeps the default ids unless options.models overrides them', () => {
    expect(aggregatorRequest({ request: { action: 'reroll', taskId: 't' }, parent }).model).toBe('midjourney_reroll');
    const models = modelsOf({ models: { reroll: 'mj_reroll_v2', uploadpaint: 'mj_upload_paint' } });
    expect(aggregatorRequest({ request: { action: 'reroll', taskId: 't' }, parent }, models).model).toBe('mj_reroll_v2');
    const canvas = { width: 1024, height: 1024 };
    const upload = aggregatorRequest({ request: { action: 'edit', imageUrl: 'https://x/a.png', prompt: 'p', canvas, imagePosition: { ...canvas, x: 0, y: 0 }, mask: { url: 'https://x/m.png' } } }, models);
    expect(upload.model).toBe('mj_upload_paint');
    expect(aggregatorRequest({ request: { action: 'upscale', taskId: 't', index: 1 }, parent }, models).model).toBe('midjourney_upscale');
  });

  it('refuses bad overrides at start-up, naming the key', () => {
    const build = (models: unknown) => () => createAggregatorAdapter({ id: 'v', apiKey: 'k', timeoutMs: 1000, dispatcher: undefined as never, options: { models } });
    expect(build({ retexture: 'x' })).toThrow(/models\.retexture: not an action/);
    expect(build({ pan: 'bad id!' })).toThrow(/models\.pan must be a model id/);
    expect(build(['x'])).toThrow(/must map actions/);
  });
});
