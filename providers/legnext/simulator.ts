/**
 * A Legnext simulator speaking the documented protocol: `x-api-key`, one POST per action under `/api/v1`,
 * the whole job object back, `GET /api/v1/job/{id}`, `{code, message, raw_message, detail}` errors, and
 * `{timestamp, data: job}` callbacks.
 */
import { credential, startSimulator, type SimJob, type SimReply, type SimState, type Simulator, type StartOptions } from '../sim/kit.js';
import { legnextBalanceBody } from './balance.js';
import { validateLegnext } from './simulator-rules.js';

export interface LegnextSimOptions extends StartOptions { apiKey?: string }

const ZERO_TIME = '0001-01-01T00:00:00Z';
const FROZEN: Record<string, number> = {
  diffusion: 80, variation: 120, upscale: 120, reroll: 80, remix: 120, pan: 80, outpaint: 80, inpaint: 120,
  blend: 80, describe: 20, shorten: 20, video_diffusion: 480, edit: 120, upload_paint: 120, retexture: 120, remove_background: 80,
  enhance: 80, enhance_upscale: 300, extend_video: 480, video_upscale: 480,
};
/** Tasks whose result is one image: in `image_url`, and on the Topaz page in `image_urls` as well. */
const SINGLE_IMAGE: ReadonlySet<string> = new Set(['upscale', 'remove_background', 'enhance_upscale']);
const VIDEO_TASKS: ReadonlySet<string> = new Set(['video_diffusion', 'extend_video', 'video_upscale']);

/** Videos a job makes: `--bs` in its prompt (default 4), one for an upscale. */
function videoCount(job: SimJob): number {
  if (job.action === 'video_upscale') return 1;
  const bs = /--bs\s+([124])\b/.exec(typeof job.body.prompt === 'string' ? job.body.prompt : '');
  return bs ? Number(bs[1]) : 4;
}

/** The docs' top-level error body, or the OpenAPI's `{error: {...}}` under the `legnext-error-wrapped` variant. */
function err(state: SimState, status: number, message: string): SimReply {
  const inner = { code: status, message, raw_message: message, detail: null };
  return { status, body: state.serves('legnext-error-wrapped') ? { error: inner } : inner };
}

function output(job: SimJob, done: boolean): Record<string, unknown> {
  const id = job.id;
  if (job.action === 'describe' || job.action === 'shorten') {
    const prompts = done ? [1, 2, 3, 4].map((n) => `${job.action} suggestion ${n} for ${id.slice(0, 8)} --ar 3:2`) : [];
    // The docs show these fields empty (pending) only: a finished shorten fills promptEn / finalPrompt here. [I]
    const en = done && job.action === 'shorten' ? (typeof job.body.prompt === 'string' ? job.body.prompt : '') : '';
    return { promptEn: en, description: done && job.action === 'describe' ? prompts.join('\n\n') : '', finalPrompt: done && job.action === 'shorten' ? prompts[0]! : '', prompts };
  }
  if (VIDEO_TASKS.has(job.action)) {
    const urls = Array.from({ length: videoCount(job) }, (_v, n) => `https://cdn.legnext.sim/video/${id}_${n}.mp4`);
    return { video_urls: done ? urls : null, seed: done ? '1234567' : '' };
  }
  if (SINGLE_IMAGE.has(job.action)) {
    const url = `https://cdn.legnext.sim/mj/${id}_up.png`;
    return { image_url: done ? url : '', image_urls: done && job.action === 'enhance_upscale' ? [url] : null, seed: done ? '1904983176' : '' };
  }
  if (!done) return { image_url: '', image_urls: null, seed: '' };
  const all = [0, 1, 2, 3];
  return {
    image_url: `https://cdn.legnext.sim/temp/${id}.png`,
    image_urls: all.map((n) => `https://cdn.legnext.sim/mj/${id}_${n}.png`),
    seed: '1904983176',
    available_actions: { upscale: all, variation: all, remix: all, pan: all, outpaint: all, inpaint: all, edit: all, reroll: true },
  };
}

export function legnextJobBody(job: SimJob, state: SimState): Record<string, unknown> {
  const phase = state.phase(job);
  const done = phase === 'done';
  const failed = done && job.outcome.kind === 'fail';
  // Staged: prepared and waiting for a worker; read back after the submit answer (which says pending).
  const waiting = state.serves('legnext-staged') && job.polls > 0 ? 'staged' : 'pending';
  const status = done ? (failed ? 'failed' : 'completed') : phase === 'pending' ? waiting : 'processing';
  const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const frozen = FROZEN[job.action] ?? 80;
  const failure = job.outcome.kind === 'fail' ? job.outcome : undefined;
  return {
    job_id: job.id,
    model: 'midjourney',
    task_type: job.action,
    status,
    config: { service_mode: 'public', webhook_config: { endpoint: job.callback ?? '', secret: '' } },
    input: null,
    output: output(job, done && !failed),
    meta: {
      created_at: iso(job.createdAt),
      started_at: phase === 'pending' ? ZERO_TIME : iso(job.createdAt + 1),
      ended_at: done ? iso(job.createdAt + job.durationMs) : ZERO_TIME,
      usage: { type: 'point', frozen, consume: done && !failed ? frozen : 0 },
    },
    detail: null,
    logs: [],
    error: failed && failure
      ? { code: failure.code ?? 500, raw_message: failure.message, message: failure.content ? 'Prompt check failed' : 'Job failed', detail: null }
      : { code: 0, raw_message: '', message: '', detail: null },
  };
}

export function startLegnextSimulator(opts: LegnextSimOptions = {}): Promise<Simulator> {
  const apiKey = opts.apiKey ?? 'sim-legnext-key';
  return startSimulator(
    (req, state) => {
      if (credential(req.headers, 'x-api-key') !== apiKey) return err(state, 401, 'Failed to verify api key');
      if (req.method === 'GET' && req.path === '/api/account/balance') return { status: 200, body: legnextBalanceBody(state.account) };
      const jobMatch = /^\/api\/v1\/job\/([^/]+)$/.exec(req.path);
      if (req.method === 'GET' && jobMatch) {
        const job = state.jobs.get(decodeURIComponent(jobMatch[1]!));
        if (!job || job.outcome.kind === 'vanish') return err(state, 404, 'Job not found');
        job.polls++;
        return { status: 200, body: legnextJobBody(job, state) };
      }
      const action = /^\/api\/v1\/([a-z-]+)$/.exec(req.path)?.[1];
      if (req.method !== 'POST' || !action) return err(state, 404, 'Not found');
      if (!req.body || typeof req.body !== 'object') return err(state, 400, 'Invalid request parameters');
      const body = req.body as Record<string, unknown>;
      const problem = validateLegnext(action, body, state);
      if (problem) return err(state, problem.status, problem.message);
      const text = [body.text, body.prompt, body.remixPrompt].filter((t) => typeof t === 'string').join(' ');
      const job = state.createJob(action.replace(/-/g, '_'), body, text, typeof body.callback === 'string' ? body.callback : undefined);
      state.account.balanceUsd -= (FROZEN[job.action] ?? 80) / 1000;
      return { status: 200, body: legnextJobBody(job, state) };
    },
    {
      ...opts,
      onJobDone: (job, state) => (job.callback ? { url: job.callback, body: { timestamp: Math.floor(Date.now() / 1000), data: legnextJobBody(job, state) } } : undefined),
    },
  );
}
