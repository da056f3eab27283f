/** The Legnext adapter (`type: legnext`): one path per action, `x-api-key` auth, the whole job object back. */
import { jobIdIn, malformed, upstreamClient } from '../http.js';
import type { AdapterOptions, ProviderAdapter, ProviderModule } from '../types.js';
import { ProviderError } from '../types.js';
import { LEGNEXT_BALANCE_PATH, LEGNEXT_DEFAULT_BASE_URL, legnextHeaders, legnextJobPath } from './api.js';
import { readLegnextBalance } from './balance.js';
import { LEGNEXT_CAPABILITIES, unsupportedByLegnext } from './capabilities.js';
import { DEFAULT_PAUSED, legnextHttpError } from './errors.js';
import { legnextSnapshot, readJob } from './job.js';
import { LEGNEXT_LIST_PRICES_USD } from './prices.js';
import { legnextRequest } from './submit.js';

/** `options.pausedPattern`: the words of a paused-endpoint refusal, as a regular expression (checked at start-up). */
function pausedPatternOf(options: Record<string, unknown> | undefined): RegExp {
  const raw = options?.pausedPattern;
  if (raw === undefined) return DEFAULT_PAUSED;
  if (typeof raw !== 'string') throw new Error('legnext option pausedPattern must be a regular expression string');
  try {
    return new RegExp(raw, 'i');
  } catch (err) {
    throw new Error(`legnext option pausedPattern is not a valid regular expression: ${(err as Error).message}`);
  }
}

export function createLegnextAdapter(opts: AdapterOptions): ProviderAdapter {
  const call = upstreamClient(opts, LEGNEXT_DEFAULT_BASE_URL, legnextHeaders(opts.apiKey));
  const paused = pausedPatternOf(opts.options);

  return {
    id: opts.id,
    type: 'legnext',
    capabilities: LEGNEXT_CAPABILITIES,
    unsupported: unsupportedByLegnext,

    async submit(input) {
      const { path, body } = legnextRequest(input);
      const res = await call('POST', path, 'submit', body);
      if (res.status >= 300) throw legnextHttpError(res, paused);
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

    async balance() {
      const res = await call('GET', LEGNEXT_BALANCE_PATH, 'poll');
      if (res.status >= 300) throw legnextHttpError(res);
      const balance = readLegnextBalance(res.json);
      if (!balance) throw malformed(res, 'poll', 'balance');
      return balance;
    },

    /** Legnext posts `{ timestamp, data: <job> }`; the job itself is accepted too. */
    callbackJobId: (body) => jobIdIn(body, ['job_id']),
  };
}

/** The `legnext` entry of the provider registry (`providers/index.ts`). */
export const legnext = {
  create: createLegnextAdapter,
  defaultBaseUrl: LEGNEXT_DEFAULT_BASE_URL,
  env: { apiKey: 'LEGNEXT_API_KEY', baseUrl: 'LEGNEXT_BASE_URL', id: 'legnext' },
  listPricesUsd: LEGNEXT_LIST_PRICES_USD,
} satisfies ProviderModule;
