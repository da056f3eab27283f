/**
 * A Vtrix (aggregator) simulator: bearer auth, `POST /model/v1/generation` with `model: midjourney_<op>` in a flat
 * or wrapped body, `GET /model/v1/generation/task/{id}` answering the TaskStatus shape, `{code, error_message}`
 * errors with 8004… codes, and the TaskStatus POSTed to `callback` when a task ends (payload undocumented [?]).
 */
import { randomUUID } from 'node:crypto';
import { credential, startSimulator, type SimJob, type SimReply, type SimState, type Simulator, type StartOptions } from '../sim/kit.js';
import { SIM_ENDPOINTS, errorCode, validateAggregator } from './simulator-rules.js';

export interface AggregatorSimOptions extends StartOptions {
  apiKey?: string;
  /** Which submit bodies are accepted: `{model, ...params}`, `{model, input: [{params}]}`, or both (default). */
  bodyStyle?: 'flat' | 'wrapped' | 'both';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Legnext's list prices (the provider mirrors it), as Vtrix's USD strings. */
const PRICE: Record<string, string> = {
  diffusion: '0.0800', variation: '0.1200', upscale: '0.1200', reroll: '0.0800', remix: '0.1200', pan: '0.0800',
  outpaint: '0.0800', inpaint: '0.1200', blend: '0.0800', describe: '0.0200', shorten: '0.0200', video_diffusion: '0.4800',
};

const err = (status: number, code: number, message: string): SimReply => ({ status, body: { code, error_message: message } });

function content(job: SimJob): Obj[] {
  const jobId = job.extra.remoteJobId as string;
  const cdn = `https://cdn.vtrix.sim/midjourney/${jobId}`;
  const four = [0, 1, 2, 3];
  if (job.action === 'describe' || job.action === 'shorten') {
    return four.map((n) => ({ type: 'text', text: `${job.action} suggestion ${n + 1} for ${jobId.slice(0, 8)} --ar 3:2`, jobId }));
  }
  if (job.action === 'video_diffusion') return four.map((n) => ({ type: 'video', url: `${cdn}_${n}.mp4`, duration: '5', jobId }));
  if (job.action === 'upscale') return [{ type: 'image', url: `${cdn}_up.png`, jobId }];
  return four.map((n) => ({ type: 'image', url: `${cdn}_${n}.png`, jobId }));
}

/** The TaskStatus of a job now: the poll answer, the submit answer and the callback body alike. */
export function aggregatorTaskBody(job: SimJob, state: SimState): Obj {
  const phase = state.phase(job);
  const failure = phase === 'done' && job.outcome.kind === 'fail' ? job.outcome : undefined;
  const status = phase === 'done' ? (failure ? 'failed' : 'completed') : phase === 'pending' ? 'pending' : 'in_progress';
  const iso = (t: number) => new Date(t).toISOString();
  const base = {
    id: job.id,
    status,
    model: `midjourney_${job.action}`,
    created_at: Math.floor(job.createdAt / 1000),
    metadata: { submitted_at: iso(job.createdAt), ...(phase === 'done' ? { finished_at: iso(job.createdAt + job.durationMs) } : {}) },
  };
  if (phase === 'running') return { ...base, progress: state.progress(job) / 100 };
  if (failure) {
    const code = /^8004\d{6}$/.test(String(failure.code)) ? Number(failure.code) : errorCode(job.action, 98);
    return { ...base, error: { code, error_message: failure.message } };
  }
  if (phase === 'done') return { ...base, output: [{ content: content(job) }], usage: { cost: PRICE[job.action] ?? '0.0800', discount: 0 } };
  return base;
}

/** Splits a submit body into `model` and params, or says what is wrong with it. */
function readSubmit(body: unknown, style: NonNullable<AggregatorSimOptions['bodyStyle']>): { model: string; params: Obj } | string {
  if (!isObj(body)) return 'request body must be a JSON object';
  if (typeof body.model !== 'string' || body.model.length === 0) return 'model is required';
  if (Array.isArray(body.input)) {
    if (style === 'flat') return 'input is not accepted: send the parameters next to model';
    const params = isObj(body.input[0]) ? body.input[0].params : undefined;
    return isObj(params) ? { model: body.model, params } : 'input[0].params must be an object';
  }
  if (style === 'wrapped') return 'input[0].params is required';
  const { model, ...params } = body;
  return { model: model, params };
}

/** Starts the simulator on the shared kit (control API under `/__sim/*`); default key `sim-aggregator-key`. */
export function startAggregatorSimulator(opts: AggregatorSimOptions = {}): Promise<Simulator> {
  const apiKey = opts.apiKey ?? 'sim-aggregator-key';
  const style = opts.bodyStyle ?? 'both';
  return startSimulator(
    (req, state) => {
      if (credential(req.headers, 'authorization') !== apiKey) return err(401, 401, 'API key is missing or invalid');
      const taskMatch = /^\/model\/v1\/generation\/task\/([^/]+)$/.exec(req.path);
      if (req.method === 'GET' && taskMatch) {
        const job = state.jobs.get(decodeURIComponent(taskMatch[1]!));
        if (!job || job.outcome.kind === 'vanish') return err(404, 404, 'Task not found');
        job.polls++;
        return { status: 200, body: aggregatorTaskBody(job, state) };
      }
      if (req.method !== 'POST' || req.path !== '/model/v1/generation') return err(404, 404, 'Not found');
      const submit = readSubmit(req.body, style);
      if (typeof submit === 'string') return err(400, 400, submit);
      const op = /^midjourney_([a-z_]+)$/.exec(submit.model)?.[1];
      if (!op || SIM_ENDPOINTS[op] === undefined) return err(400, 400, `unknown model ${submit.model}`);
      const problem = validateAggregator(op, submit.params, state);
      if (problem) return err(problem.status, problem.code, problem.message);
      const p = submit.params;
      const text = [p.text, p.prompt, p.remixPrompt].filter((t) => typeof t === 'string').join(' ');
      const callback = typeof p.callback === 'string' ? p.callback : undefined;
      const job = state.createJob(op, p, text, callback, `task_${randomUUID().replace(/-/g, '')}`);
      job.extra.remoteJobId = randomUUID();
      return { status: 200, body: aggregatorTaskBody(job, state) };
    },
    {
      ...opts,
      onJobDone: (job, state) => (job.callback ? { url: job.callback, body: aggregatorTaskBody(job, state) } : undefined),
    },
  );
}
