/** The Legnext adapter (`type: legnext`): one path per action, `x-api-key` auth, the whole job object back. */
import { malformed, upstreamClient } from '../http.js';
import type { AdapterOptions, Capabilities, CanonicalRequest, ProviderAdapter, ProviderModule, Speed } from '../types.js';
import { ProviderError } from '../types.js';
import { LEGNEXT_DEFAULT_BASE_URL, legnextHeaders, legnextJobPath } from './api.js';
import { legnextHttpError } from './errors.js';
import { legnextSnapshot, readJob } from './job.js';
import { LEGNEXT_LIST_PRICES_USD } from './prices.js';
import { legnextRequest } from './submit.js';

/** Speed is a prompt flag, so only actions with a prompt of their own can carry one; relax does not exist. */
const ROOT_SPEEDS: Speed[] = ['fast', 'turbo'];
const DEFAULT_SPEED: Speed[] = ['fast'];

export const LEGNEXT_CAPABILITIES: Capabilities = {
  callbacks: true,
  actions: {
    imagine: { speeds: ROOT_SPEEDS, options: ['prompt', 'imageUrls'] },
    variation: { speeds: DEFAULT_SPEED, options: ['strength', 'prompt'] },
    upscale: { speeds: DEFAULT_SPEED, options: ['mode'] },
    reroll: { speeds: DEFAULT_SPEED, options: [] },
    remix: { speeds: DEFAULT_SPEED, options: ['prompt', 'strength'] },
    pan: { speeds: DEFAULT_SPEED, options: ['direction', 'scale', 'prompt'] },
    zoom: { speeds: DEFAULT_SPEED, options: ['scale', 'prompt'] },
    inpaint: { speeds: DEFAULT_SPEED, options: ['mask.url', 'mask.areas', 'prompt'] },
    blend: { speeds: DEFAULT_SPEED, options: ['imageUrls (2-5)', 'aspectRatio'] },
    describe: { speeds: DEFAULT_SPEED, options: ['imageUrl'] },
    shorten: { speeds: DEFAULT_SPEED, options: ['prompt'] },
    video: { speeds: DEFAULT_SPEED, options: ['taskId+index', 'imageUrl', 'prompt', 'resolution'] },
  },
};

export function unsupportedByLegnext(req: CanonicalRequest): string | null {
  const cap = LEGNEXT_CAPABILITIES.actions[req.action];
  if (!cap) return `Legnext has no ${req.action}`;
  if (req.speed === 'relax') return 'Legnext has no relax mode (fast and turbo only)';
  if (req.speed && !cap.speeds.includes(req.speed)) return `Legnext takes speed only in a prompt, so ${req.action} runs at fast only`;
  return null;
}

export function createLegnextAdapter(opts: AdapterOptions): ProviderAdapter {
  const call = upstreamClient(opts, LEGNEXT_DEFAULT_BASE_URL, legnextHeaders(opts.apiKey));

  return {
    id: opts.id,
    type: 'legnext',
    capabilities: LEGNEXT_CAPABILITIES,
    unsupported: unsupportedByLegnext,

    async submit(input) {
      const { path, body } = legnextRequest(input);
      const res = await call('POST', path, 'submit', body);
      if (res.status >= 300) throw legnextHttpError(res);
      const job = readJob(res.json);
      if (!job) throw malformed(res, 'submit', 'submit answer (no job_id)');
      return { upstreamId: job.job_id, snapshot: legnextSnapshot(job) };
    },

    async poll({ upstreamId }) {
      const res = await call('GET', legnextJobPath(upstreamId), 'poll');
      if (res.status >= 300) throw legnextHttpError(res);
      const job = readJob(res.json);
      if (!job) throw malformed(res, 'poll', 'job');
      if (job.job_id !== upstreamId) throw new ProviderError('unavailable', `provider returned job ${job.job_id} for ${upstreamId}`);
      return legnextSnapshot(job);
    },
  };
}

/** The `legnext` entry of the provider registry (`providers/index.ts`). */
export const legnext = {
  create: createLegnextAdapter,
  defaultBaseUrl: LEGNEXT_DEFAULT_BASE_URL,
  env: { apiKey: 'LEGNEXT_API_KEY', baseUrl: 'LEGNEXT_BASE_URL', id: 'legnext' },
  listPricesUsd: LEGNEXT_LIST_PRICES_USD,
} satisfies ProviderModule;
