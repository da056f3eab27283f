/**
 * The task record: the public Task plus what only the gateway sees. Transitions are pure functions from one
 * record to the next; the store writes them with a version check, and a final status never changes again.
 */
import type { CanonicalRequest, JobSnapshot, ParentRef, TaskOutput, UpstreamState } from '../../providers/types.js';
import type { TaskErrorCode } from '../errors.js';
import { FINAL_STATUSES, type Attempt, type LiveTask, type SubmitBody, type Task, type TaskError, type TaskStatus } from '../schemas/task.js';
import { toCanonical } from './canonical.js';

/** Never leaves the gateway. */
export interface TaskPrivate {
  tenantId: string;
  request: CanonicalRequest;
  deadlineAt: number;
  /** Set on follow-ups: the provider that ran the parent (they never go elsewhere). */
  pinnedProvider?: string;
  /** A root task pinned by the client's `provider` field. */
  requestedProvider?: string;
  /** The tenant's provider allow-list when the task was accepted. */
  allowList?: string[];
  /** Adapter-owned state of the current upstream job. */
  upstreamState: UpstreamState;
  /** `submitting` while a submit is in flight: a worker that finds it after a crash knows the outcome is unknown. */
  phase: 'waiting' | 'submitting' | 'polling';
  /** The provider a submit is in flight to (with `submitting`): after a crash the retry goes back to it. */
  submittingTo?: string;
  /** Providers this task has left (failover) and will not go back to. */
  excluded: string[];
  /** Submit attempts on the current provider (for the same-provider retry budget). */
  sameProviderTries: number;
  resubmitted: boolean;
  notFound: number;
  /** Bumped on each new upstream job, so the poll job of an old one knows to stop. */
  generation: number;
  callbackUrl?: string;
  /** The token of the provider callback URL given with the latest submit (services/orphans.ts tells older ones apart). */
  callbackToken?: string;
  /** The tenant's `maxConcurrentTasks` when the task was accepted. */
  tenantCap?: number;
  /** The provider whose slot line this task waits in (kept so it does not lose its place). */
  waitingFor?: string;
  /** Why the task is still queued, for the timeout message if it never leaves. */
  waitReason?: string;
  /**
   * Set when the task was canceled while its upstream job ran: the job is still read, quietly, only to free the
   * provider slot it holds when it ends (or at the deadline).
   */
  draining?: true;
  /** Set on tasks submitted through the midjourney-proxy ingress (src/ingress/mjproxy): what its Task VO echoes. */
  mjProxy?: MjProxyExtras;
}

/** What a midjourney-proxy client sent that the canonical task has no field for. */
export interface MjProxyExtras {
  /** The client's `state`, echoed in the VO. */
  state?: string;
  /** True when `notifyHook` was given: webhooks carry the VO instead of the Task. */
  hook?: boolean;
}

export interface TaskRecord {
  task: Task;
  priv: TaskPrivate;
  version: number;
  /** The budget reserved when the task was accepted (micro-dollars), as the stored record says; unset: none. */
  reservedMicros?: number;
}

export const isFinal = (s: TaskStatus) => FINAL_STATUSES.has(s);

const now = () => new Date().toISOString();

/** The task with `patch` applied and `updatedAt` now; its kind of status stays (see `live` for a status change). */
export function touch<T extends Task>(task: T, patch: Partial<T> = {}): T {
  return { ...task, ...patch, updatedAt: now() };
}

/**
 * The task in a live status (queued, submitted, running): no output, error or end. Transitions only ever see live
 * tasks (the store never hands a final one to them), so those three are null already; the type says so.
 */
export function live(task: Task, patch: Partial<Omit<LiveTask, 'output' | 'error' | 'finishedAt'>> & Pick<LiveTask, 'status'>): LiveTask {
  return { ...task, ...patch, output: null, error: null, finishedAt: null, updatedAt: now() };
}

/** The task canceled now, by the client (`error.code: canceled`). */
export function canceled(task: Task, message: string): Task {
  const at = now();
  return { ...task, status: 'canceled', output: null, error: { code: 'canceled', message, provider: null, upstream: null }, updatedAt: at, finishedAt: at };
}

/** A job its provider reported succeeded with no output at all: the task succeeds with nothing to show. */
export const NOTHING_REPORTED: TaskOutput = { gridImageUrl: null, imageUrls: [], videoUrls: [], prompts: [], seed: null };

export function failTask(rec: TaskRecord, code: TaskErrorCode, message: string, upstream?: TaskError['upstream']): TaskRecord {
  const at = now();
  return {
    ...rec,
    task: {
      ...rec.task,
      status: 'failed',
      output: null,
      error: { code, message, provider: rec.task.provider, upstream: upstream ?? null },
      updatedAt: at,
      finishedAt: at,
    },
  };
}

/**
 * Fails a task that passed its deadline, saying where it was stuck: the worker that reads the job, the one that would
 * submit it and the sweeper all use this, so whichever of them gets there first gives the same message.
 */
export function timeOut(rec: TaskRecord): TaskRecord {
  const { task, priv } = rec;
  const seconds = Math.round((priv.deadlineAt - Date.parse(task.createdAt)) / 1000);
  let message: string;
  if (task.status === 'queued') {
    const pinned = priv.pinnedProvider ? ` to ${priv.pinnedProvider}` : '';
    const why = priv.waitReason ?? (priv.phase === 'submitting' ? `a submit${pinned} was still in flight` : pinned && `waiting to be sent${pinned}`);
    message = `the task could not be submitted within its ${seconds} s deadline${why ? `: ${why}` : ''}`;
  } else if (task.provider) {
    message = `the provider ${task.provider} did not finish the job within the ${seconds} s deadline`;
  } else {
    message = `the task did not finish within its ${seconds} s deadline`;
  }
  return failTask(rec, 'timeout', message);
}

export function addAttempt(task: Task, attempt: Omit<Attempt, 'at'>): Task {
  return { ...task, attempts: [...task.attempts, { ...attempt, at: now() }] };
}

/** What a follow-up's adapter knows of this task as its parent. */
export function parentRefOf(rec: TaskRecord): ParentRef | null {
  const { task, priv } = rec;
  return task.upstreamId ? { upstreamId: task.upstreamId, action: task.action, state: priv.upstreamState, output: task.output } : null;
}

/** Applies an upstream reading to a task that is submitted or running. Returns null when nothing changed. */
export function applySnapshot(rec: TaskRecord, snap: JobSnapshot): TaskRecord | null {
  const t = rec.task;
  const state = snap.state ? { ...rec.priv.upstreamState, ...snap.state } : rec.priv.upstreamState;
  const priv = { ...rec.priv, upstreamState: state, notFound: 0 };
  if (snap.status === 'succeeded') {
    const at = now();
    return { ...rec, priv, task: { ...t, status: 'succeeded', progress: 100, output: snap.output ?? NOTHING_REPORTED, error: null, cost: snap.cost ?? t.cost, updatedAt: at, finishedAt: at } };
  }
  const status: LiveTask['status'] = snap.status === 'running' ? 'running' : t.status === 'running' ? 'running' : 'submitted';
  const progress = Math.max(t.progress, snap.progress ?? 0);
  if (status === t.status && progress === t.progress && !snap.state) return null;
  return { ...rec, priv, task: live(t, { status, progress }) };
}

/** Private fields left out of the stored record while they hold these values (filled back on read). */
const PRIVATE_DEFAULTS: Readonly<Record<string, unknown>> = { phase: 'waiting', sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1 };
/** Private fields `compactPrivate` handles apart (the tenant is not stored in the JSON at all). */
const SET_APART: ReadonlySet<string> = new Set(['tenantId', 'request', 'upstreamState', 'excluded']);

/**
 * Requests built by `toCanonical` from their task's input (a new task's, or one `expandPrivate` rebuilt): they follow
 * it by construction, so writing the record (its creation, every transition of a task read from the store) skips the
 * comparison. Neither a request nor an input is ever changed in place.
 */
const rebuilt = new WeakSet<CanonicalRequest>();

/** `toCanonical(body)`, remembered as following the input of a task whose `input` is `body` less its metadata. */
export function requestFromInput(body: SubmitBody): CanonicalRequest {
  const request = toCanonical(body);
  rebuilt.add(request);
  return request;
}

/** True when `toCanonical(task.input)` gives exactly `request` (as JSON): the request need not be stored again. */
function requestFollowsInput(request: CanonicalRequest, task: Task): boolean {
  if (rebuilt.has(request)) return true;
  try {
    return JSON.stringify(toCanonical(task.input)) === JSON.stringify(request);
  } catch {
    return false;
  }
}

/**
 * The private part as stored: without `tenantId` (the store keeps it beside the record), without `request` when it is
 * exactly what `toCanonical(task.input)` gives back, and without fields at their default values. `expandPrivate`
 * restores the full TaskPrivate, equal as JSON to the one given here.
 */
export function compactPrivate(priv: TaskPrivate, task: Task): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A for-in over the record's own keys (plain objects: no inherited enumerable ones), in their order; written on every
  // task write, so without the copies a rest pattern and Object.entries would make.
  for (const k in priv) {
    if (SET_APART.has(k)) continue;
    const v = (priv as unknown as Record<string, unknown>)[k];
    if (v !== undefined && PRIVATE_DEFAULTS[k] !== v) out[k] = v;
  }
  for (const _ in priv.upstreamState) {
    out.upstreamState = priv.upstreamState;
    break;
  }
  if (priv.excluded.length > 0) out.excluded = priv.excluded;
  if (!requestFollowsInput(priv.request, task)) out.request = priv.request;
  return out;
}

/** The inverse of `compactPrivate`. */
export function expandPrivate(stored: Record<string, unknown>, tenantId: string, task: Task): TaskPrivate {
  const priv = {
    tenantId, upstreamState: {}, phase: 'waiting', excluded: [], sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1,
    ...stored,
  } as unknown as Omit<TaskPrivate, 'request'> & { request?: CanonicalRequest };
  if (!priv.request) {
    priv.request = requestFromInput(task.input);
  }
  return priv as TaskPrivate;
}
