/**
 * An APIMart simulator speaking the documented protocol: Bearer auth, one POST per action under
 * `/v1/midjourney/generations`, `{code: 200, data: [{status, task_id}]}` back, inpaint parked in MODAL until
 * `/modal`, both query endpoints, `{code, message}` / `{error: {...}}` errors, and no callbacks.
 */
import { outcomeFromText, startSimulator, type SimReply, type SimRequest, type SimState, type Simulator, type StartOptions } from '../sim/kit.js';
import { APIMART_BALANCE_PATH } from './balance.js';
import { validateApimart, type Problem } from './simulator-rules.js';
import { mjTaskBody, newTaskId, unifiedTaskBody } from './simulator-tasks.js';

export interface ApimartSimOptions extends StartOptions {
  apiKey?: string;
  /** How long an inpaint waits in MODAL for `/modal` before it is cancelled (APIMart: 30 min). */
  modalTimeoutMs?: number;
}

const MODAL_TIMEOUT_MS = 30 * 60_000;

type Body = Record<string, unknown>;

const mjError = (p: Problem): SimReply => ({ status: p.status, body: { code: p.code, message: p.message } });
/** A generation refusal; under `apimart-code-in-200` it comes as HTTP 200 carrying the refusal's body `code`. */
const refusal = (p: Problem, state: SimState): SimReply => (state.serves('apimart-code-in-200') ? { ...mjError(p), status: 200 } : mjError(p));
const platformError = (status: number, type: string, message: string): SimReply => ({ status, body: { error: { type, message, code: status } } });
const accepted = (taskId: string, status = 'submitted'): SimReply => ({ status: 200, body: { code: 200, data: [{ status, task_id: taskId }] } });

function query(req: SimRequest, state: SimState): SimReply {
  const mj = /^\/v1\/midjourney\/([^/]+)$/.exec(req.path);
  const unified = /^\/v1\/tasks\/([^/]+)$/.exec(req.path);
  const raw = (mj ?? unified)?.[1];
  if (!raw) return platformError(404, 'not_found_error', `no route GET ${req.path}`);
  const id = decodeURIComponent(raw);
  const job = state.jobs.get(id);
  if (!job || job.outcome.kind === 'vanish') return mj ? mjError({ status: 404, code: 3, message: `task ${id} not found` }) : platformError(404, 'not_found_error', `task ${id} not found`);
  job.polls++;
  return { status: 200, body: mj ? mjTaskBody(job, state) : unifiedTaskBody(job, state) };
}

/** `/modal`: the same task leaves MODAL and runs from now; its prompt may carry a `[sim:…]` directive. */
function resumeModal(body: Body, state: SimState): SimReply {
  const job = state.jobs.get(body.task_id as string)!;
  job.extra.awaitingModal = false;
  job.extra.maskUrl = body.mask_url;
  if (typeof body.prompt === 'string') {
    job.body = { ...job.body, prompt: body.prompt };
    job.outcome = outcomeFromText(body.prompt, job.outcome).outcome;
  }
  job.createdAt = Date.now();
  return accepted(job.id);
}

function generate(endpoint: string, body: Body, state: SimState, modalTimeoutMs: number): SimReply {
  const problem = validateApimart(endpoint, body, state);
  if (problem) return refusal(problem, state);
  if (endpoint === 'modal') return resumeModal(body, state);
  const job = state.createJob(endpoint.replace(/-/g, '_'), body, typeof body.prompt === 'string' ? body.prompt : undefined, undefined, newTaskId());
  if (endpoint !== 'inpaint') return accepted(job.id);
  job.extra.awaitingModal = true;
  job.extra.modalDeadline = Date.now() + modalTimeoutMs;
  // The inpaint page documents this bare answer (A4) rather than the envelope.
  return { status: 200, body: { task_id: job.id, status: 'modal', model: 'midjourney' } };
}

export function startApimartSimulator(opts: ApimartSimOptions = {}): Promise<Simulator> {
  const { apiKey = 'sim-apimart-key', modalTimeoutMs = MODAL_TIMEOUT_MS, ...start } = opts;
  return startSimulator(
    (req, state) => {
      if (req.headers.authorization !== `Bearer ${apiKey}`) return platformError(401, 'authentication_error', 'Invalid API key');
      if (req.method === 'GET' && req.path === APIMART_BALANCE_PATH) return { status: 200, body: { code: 200, data: { balance: Math.round(state.account.balanceUsd * 1e4) / 1e4 } } };
      if (req.method === 'GET') return query(req, state);
      const gen = /^\/v1\/midjourney\/generations(?:\/([a-z-]+))?$/.exec(req.path);
      if (req.method !== 'POST' || !gen) return platformError(404, 'not_found_error', `no route ${req.method} ${req.path}`);
      if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) return mjError({ status: 400, code: 4, message: 'the body must be a JSON object' });
      return generate(gen[1] ?? 'imagine', req.body as Body, state, modalTimeoutMs);
    },
    // APIMart documents no callbacks, so the simulator never sends one.
    { ...start, onJobDone: undefined },
  );
}
