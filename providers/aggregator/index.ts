/**
 * The aggregator adapter (`type: aggregator`, Vtrix): one submit path chosen by `model: midjourney_<op>`, bearer auth,
 * a TaskStatus `{id, status, …}` back, `GET /model/v1/generation/task/{id}` to poll.
 * Options: `bodyStyle: 'flat' | 'wrapped'` and `models` (the unconfirmed model ids, see `api.ts`).
 */
import { declaredRefusal } from '../capabilities.js';
import { jobIdIn, malformed, upstreamClient } from '../http.js';
import type { ActionCapability, AdapterOptions, Capabilities, CanonicalRequest, ProviderAdapter, ProviderModule } from '../types.js';
import { ProviderError } from '../types.js';
import { AGGREGATOR_DEFAULT_BASE_URL, SUBMIT_PATH, aggregatorHeaders, bodyStyleOf, modelsOf, taskPath, wireBody } from './api.js';
import { aggregatorHttpError, refusalIn2xx } from './errors.js';
import { aggregatorSnapshot, readTask } from './job.js';
import { AGGREGATOR_LIST_PRICES_USD } from './prices.js';
import { aggregatorRequest } from './submit.js';

/** No speed field and no documented default: an empty list means "provider default only". */
const defaultSpeed = (options: string[]): ActionCapability => ({ speeds: [], options });

export const AGGREGATOR_CAPABILITIES: Capabilities = {
  callbacks: true,
  actions: {
    imagine: defaultSpeed(['prompt', 'imageUrls']),
    variation: defaultSpeed(['strength', 'prompt']),
    upscale: defaultSpeed(['mode']),
    reroll: defaultSpeed([]),
    remix: defaultSpeed(['prompt', 'strength']),
    pan: defaultSpeed(['direction', 'scale', 'prompt']),
    zoom: defaultSpeed(['scale', 'prompt']),
    inpaint: defaultSpeed(['mask.url', 'mask.areas', 'prompt']),
    blend: defaultSpeed(['imageUrls', 'aspectRatio']),
    describe: defaultSpeed(['imageUrl']),
    shorten: defaultSpeed(['prompt']),
    // The video model is undocumented here [I]; the Legnext prompt flags are not assumed to pass through.
    video: defaultSpeed(['imageUrl', 'prompt', 'resolution']),
    edit: defaultSpeed(['imageUrl', 'prompt', 'canvas', 'imagePosition', 'mask.url', 'mask.areas']),
  },
};

/**
 * Any explicit speed is refused, `fast` included: the provider exposes no speed and does not document which one it
 * runs at (probably Legnext's fast [I]), so a client who asked for one must go where it is honoured.
 */
export function unsupportedByAggregator(req: CanonicalRequest): string | null {
  const declared = declaredRefusal('the aggregator', AGGREGATOR_CAPABILITIES, req);
  if (declared) return declared;
  if (req.speed) return `the aggregator has no speed control, so it cannot promise ${req.speed} mode`;
  return null;
}

/** Builds the adapter; throws at start-up on an unknown `options.bodyStyle`. */
export function createAggregatorAdapter(opts: AdapterOptions): ProviderAdapter {
  const style = bodyStyleOf(opts.options);
  const models = modelsOf(opts.options);
  const call = upstreamClient(opts, AGGREGATOR_DEFAULT_BASE_URL, aggregatorHeaders(opts.apiKey));

  return {
    id: opts.id,
    type: 'aggregator',
    capabilities: AGGREGATOR_CAPABILITIES,
    unsupported: unsupportedByAggregator,

    async submit(input) {
      const { model, params } = aggregatorRequest(input, models);
      const res = await call('POST', SUBMIT_PATH, 'submit', wireBody(style, model, params));
      if (res.status >= 300) throw aggregatorHttpError(res, 'submit');
      const task = readTask(res.json);
      if (!task?.id) throw refusalIn2xx(res, 'submit') ?? malformed(res, 'submit', 'submit answer (no task id)');
      return { upstreamId: task.id, ...(task.status ? { snapshot: aggregatorSnapshot(task) } : {}) };
    },

    async poll({ upstreamId }) {
      const res = await call('GET', taskPath(upstreamId), 'poll');
      if (res.status >= 300) throw aggregatorHttpError(res, 'poll');
      const task = readTask(res.json);
      if (!task?.status) throw refusalIn2xx(res, 'poll') ?? malformed(res, 'poll', 'task');
      if (task.id && task.id !== upstreamId) throw new ProviderError('unavailable', `provider returned task ${task.id} for ${upstreamId}`);
      return aggregatorSnapshot(task);
    },

    /** The aggregator posts its task (`id`), or Legnext's job (`job_id`) where it relays Legnext. */
    callbackJobId: (body) => jobIdIn(body, ['id', 'job_id', 'task_id']),
  };
}

/** The `aggregator` entry of the provider registry (`providers/index.ts`). */
export const aggregator = {
  create: createAggregatorAdapter,
  defaultBaseUrl: AGGREGATOR_DEFAULT_BASE_URL,
  env: { apiKey: 'VTRIX_API_KEY', baseUrl: 'VTRIX_BASE_URL', id: 'vtrix' },
  listPricesUsd: AGGREGATOR_LIST_PRICES_USD,
} satisfies ProviderModule;
