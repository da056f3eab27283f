/** The Legnext adapter (`type: legnext`): one path per action, `x-api-key` auth, the whole job object back. */
import { malformed, upstreamClient } from '../http.js';
import type { AdapterOptions, ProviderAdapter, ProviderModule } from '../types.js';
import { ProviderError } from '../types.js';
import { LEGNEXT_DEFAULT_BASE_URL, legnextHeaders, legnextJobPath } from './api.js';
import { LEGNEXT_CAPABILITIES, unsupportedByLegnext } from './capabilities.js';
import { legnextHttpError } from './errors.js';
import { legnextSnapshot, readJob } from './job.js';
import { LEGNEXT_LIST_PRICES_USD } from './prices.js';
import { legnextRequest } from './submit.js';

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
