/**
 * The APIMart adapter (`type: apimart`): Bearer auth, one path per action, a `task_id` back, then polling.
 * Multi-step actions (pre-step upscale, inpaint's modal) run under one client task, advanced by `poll()`.
 */
import { malformed, upstreamClient } from '../http.js';
import type { AdapterOptions, JobSnapshot, ProviderAdapter, ProviderModule } from '../types.js';
import { ProviderError } from '../types.js';
import { APIMART_DEFAULT_BASE_URL, apimartHeaders, mjTaskPath, unifiedTaskPath, type ApimartState } from './api.js';
import { APIMART_CAPABILITIES, unsupportedByApimart } from './capabilities.js';
import { ACCEPTED_CODES, apimartErrorBody, apimartHttpError, bodyCodeError, stepFailure } from './errors.js';
import { mjSnapshot, readMjTask, readSubmitAnswer, statusOf } from './job.js';
import { APIMART_LIST_PRICES_USD } from './prices.js';
import { APIMART_BALANCE_PATH, readApimartBalance } from './balance.js';
import { nextStep, preStepSnapshot, withStepCost, type Step, type TaskReading } from './steps.js';
import { apimartPlan, type WireCall } from './submit.js';
import { readUnifiedTask, unifiedSnapshot } from './unified.js';

export { APIMART_CAPABILITIES, unsupportedByApimart } from './capabilities.js';

type Phase = 'submit' | 'poll';

export function createApimartAdapter(opts: AdapterOptions): ProviderAdapter {
  const call = upstreamClient(opts, APIMART_DEFAULT_BASE_URL, apimartHeaders(opts.apiKey));

  /** One generation call → the accepted task id and its first status word. */
  async function send(wire: WireCall, phase: Phase): Promise<{ taskId: string; status?: string }> {
    const res = await call('POST', wire.path, phase, wire.body);
    if (res.status >= 300) throw apimartHttpError(res);
    const answer = readSubmitAnswer(res.json);
    if (!answer) throw malformed(res, phase, 'submit answer');
    // A 200 can still carry a refusal in its body `code`.
    if (answer.code !== undefined && !ACCEPTED_CODES.has(Number(answer.code))) throw bodyCodeError(res, apimartErrorBody(res.json));
    if (!answer.taskId) throw malformed(res, phase, 'submit answer (no task_id)');
    return { taskId: answer.taskId, status: answer.status };
  }

  /** The MJ-style query (buttons, MODAL); the unified one when the MJ-style one answers 404, remembered in state. */
  async function read(taskId: string, state: ApimartState, action: string): Promise<TaskReading> {
    if (state.query !== 'unified') {
      const res = await call('GET', mjTaskPath(taskId), 'poll');
      if (res.status !== 404) {
        if (res.status >= 300) throw apimartHttpError(res);
        const task = readMjTask(res.json);
        if (!task) throw malformed(res, 'poll', 'task');
        if (task.id !== undefined && task.id !== taskId) throw new ProviderError('unavailable', `provider returned task ${String(task.id)} for ${taskId}`);
        return { taskId, wireStatus: String(task.status).toUpperCase(), snapshot: mjSnapshot(task, action) };
      }
    }
    const res = await call('GET', unifiedTaskPath(taskId), 'poll');
    if (res.status >= 300) throw apimartHttpError(res);
    const task = readUnifiedTask(res.json);
    if (!task) throw malformed(res, 'poll', 'task');
    const snapshot = unifiedSnapshot(task);
    const withQuery = state.query === 'unified' ? snapshot : { ...snapshot, state: { ...snapshot.state, query: 'unified' } };
    return { taskId, wireStatus: String(task.status).toUpperCase(), snapshot: withQuery };
  }

  /** Sends a step from a poll: the task keeps running on the new state, or ends if the step is refused. */
  async function advance(step: Step, reading: TaskReading): Promise<JobSnapshot> {
    const carried = reading.snapshot.state?.query ? { query: reading.snapshot.state.query } : {};
    try {
      const accepted = await send(step.call, 'poll');
      return { status: 'running', state: { ...carried, ...step.state(accepted.taskId) } };
    } catch (err) {
      const failure = stepFailure(err);
      if (failure) return { status: 'failed', failure };
      throw err;
    }
  }

  return {
    id: opts.id,
    type: 'apimart',
    capabilities: APIMART_CAPABILITIES,
    unsupported: unsupportedByApimart,

    async submit(input) {
      const plan = apimartPlan(input);
      const accepted = await send(plan.call, 'submit');
      // "modal" (the inpaint page's answer) is already past the queue; anything else has just been queued.
      const status = statusOf(accepted.status) === 'running' && accepted.status ? 'running' : 'queued';
      return { upstreamId: accepted.taskId, state: { ...plan.state }, snapshot: { status } };
    },

    async poll({ upstreamId, state, request }) {
      const s = state as ApimartState;
      const reading = await read(s.currentTaskId ?? upstreamId, s, request.action);
      const step = nextStep(request, s, reading);
      if (step) return advance(step, reading);
      return s.step === 'upscale' ? preStepSnapshot(reading.snapshot) : withStepCost(reading.snapshot, s);
    },

    async balance() {
      const res = await call('GET', APIMART_BALANCE_PATH, 'poll');
      if (res.status >= 300) throw apimartHttpError(res);
      const balance = readApimartBalance(res.json);
      if (!balance) throw malformed(res, 'poll', 'balance');
      return balance;
    },
  };
}

/** The `apimart` entry of the provider registry (`providers/index.ts`). */
export const apimart = {
  create: createApimartAdapter,
  defaultBaseUrl: APIMART_DEFAULT_BASE_URL,
  env: { apiKey: 'APIMART_API_KEY', baseUrl: 'APIMART_BASE_URL', id: 'apimart' },
  listPricesUsd: APIMART_LIST_PRICES_USD,
} satisfies ProviderModule;
