/** Accepting, reading and canceling tasks: the API's business rules, free of HTTP. */
import type { CanonicalRequest } from '../../providers/types.js';
import type { Tenant } from '../store/tenant-store.js';
import { sha256 } from '../store/tenant-store.js';
import { newTaskId } from '../domain/ids.js';
import { eligible, describeRequest } from '../domain/routing.js';
import { callbackUrlProblem } from '../domain/ssrf.js';
import { canceled, requestFromInput, type TaskPrivate, type TaskRecord } from '../domain/task.js';
import { apiError } from '../errors.js';
import type { SubmitBody, Task } from '../schemas/task.js';
import type { Runtime } from '../runtime.js';
import { budgetExceeded, planReservation } from './budget.js';
import { priceUsd } from './prices.js';

/** JSON with keys sorted, so two equal bodies hash alike whatever their key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

const parentIdOf = (req: CanonicalRequest): string | undefined => ('taskId' in req && typeof req.taskId === 'string' ? req.taskId : undefined);

/** Where the task may run (its parent's provider, or every provider eligible now), or the 4xx that says why nowhere. */
async function routeCheck(rt: Pick<Runtime, 'tasks' | 'providers'>, tenant: Tenant, body: SubmitBody, req: CanonicalRequest): Promise<{ providers: string[]; pinnedProvider?: string; parentId?: string }> {
  const parentId = parentIdOf(req);
  if (parentId) {
    const parent = await rt.tasks.get(parentId);
    if (!parent || parent.priv.tenantId !== tenant.id) throw apiError('not_found', `task ${parentId} not found`);
    if (parent.task.status !== 'succeeded' || !parent.task.provider) {
      throw apiError('parent_not_ready', `task ${parentId} is ${parent.task.status}; a follow-up needs a succeeded parent`);
    }
    const entry = rt.providers.get(parent.task.provider);
    const why = entry ? rt.providers.unsupported(entry, req) : 'it is no longer configured';
    if (why) throw apiError('action_not_supported', `${describeRequest(req)} must run on ${parent.task.provider}, which ran the parent, but ${why}`, { provider: parent.task.provider, reason: why });
    return { providers: [parent.task.provider], pinnedProvider: parent.task.provider, parentId };
  }
  if (body.provider && !rt.providers.get(body.provider)) throw apiError('invalid_request', `provider "${body.provider}" is not configured (see GET /v1/providers)`);
  if (body.provider && tenant.providers && !tenant.providers.includes(body.provider)) throw apiError('forbidden', `provider "${body.provider}" is not allowed for this tenant`);
  const { ok, refused } = eligible(rt.providers.candidates(req), { allowList: tenant.providers, pinned: body.provider, excluded: [] });
  if (ok.length === 0) {
    const reasons = Object.entries(refused).map(([id, why]) => `${id}: ${why}`);
    throw apiError('action_not_supported', `no enabled provider can run ${describeRequest(req)}${reasons.length ? ` (${reasons.join('; ')})` : ' (no providers are configured)'}`, { providers: refused });
  }
  return { providers: ok.map((c) => c.id) };
}

/** `extras`: private fields an ingress keeps with the task (e.g. `mjProxy`). */
export async function submitTask(rt: Pick<Runtime, 'config' | 'tasks' | 'providers' | 'media'>, tenant: Tenant, sent: SubmitBody, idempotencyKey?: string, extras?: Pick<TaskPrivate, 'mjProxy'>): Promise<{ task: string; created: boolean; id: string }> {
  // Images sent as data URLs are stored and replaced by signed links before anything else sees the body.
  const body = await rt.media.resolveDataUrls(tenant.id, sent);
  // toCanonical ignores `metadata`, so the request follows the task's input (the body less its metadata).
  const req = requestFromInput(body);
  if (body.callbackUrl) {
    const problem = await callbackUrlProblem(body.callbackUrl, rt.config.allowPrivateCallbacks);
    if (problem) throw apiError('invalid_request', problem);
  }
  const { providers, pinnedProvider, parentId } = await routeCheck(rt, tenant, body, req);
  const now = new Date();
  const at = now.toISOString();
  const { metadata, ...input } = body;
  const task: Task = {
    id: newTaskId(now.getTime()), action: req.action, status: 'queued', progress: 0, provider: null, upstreamId: null,
    parentId: parentId ?? null, input, output: null, error: null, cost: null, attempts: [], metadata: metadata ?? {},
    createdAt: at, updatedAt: at, submittedAt: null, finishedAt: null, followUps: [],
  };
  const deadline = req.action === 'video' ? rt.config.deadlines.videoMs : rt.config.deadlines.imageMs;
  const rec: TaskRecord = {
    task, version: 1,
    priv: {
      tenantId: tenant.id, request: req, deadlineAt: now.getTime() + deadline, pinnedProvider, requestedProvider: pinnedProvider ? undefined : body.provider,
      allowList: tenant.providers, upstreamState: {}, phase: 'waiting', excluded: [], sameProviderTries: 0, resubmitted: false, notFound: 0,
      generation: 1, callbackUrl: body.callbackUrl, tenantCap: tenant.maxConcurrentTasks, ...extras,
    },
  };
  const idem = idempotencyKey ? { keyHash: sha256(idempotencyKey), bodyHash: sha256(stableJson(sent)) } : undefined;
  const plan = planReservation(rt, tenant, req, now, providers);
  // One Lua call: the idempotency claim, the budget reservation, the task and its id on the intake list, or nothing.
  // A worker's intake adds the submission job; the sweeper adds it if the intake lost it.
  const created = await rt.tasks.create(rec, idem, plan);
  if (created.created) return { task: created.doc, created: true, id: task.id };
  if ('overBudget' in created) throw budgetExceeded(tenant, req, plan, created.overBudget.usedMicros);
  // A repeat of an accepted request is answered with its task, even past the budget: it costs nothing new.
  if (created.existing.bodyHash !== idem!.bodyHash) {
    throw apiError('idempotency_conflict', 'this Idempotency-Key was used with a different body in the last 24 h: use a new key for a new task');
  }
  const doc = await rt.tasks.getDoc(created.existing.taskId, tenant.id);
  if (!doc) throw apiError('idempotency_conflict', 'this Idempotency-Key belongs to a task that no longer exists: use a new key');
  return { task: doc, created: false, id: created.existing.taskId };
}

/**
 * The stored public document of one of the tenant's tasks (null for another tenant's, as for an unknown one). A task
 * waiting in line for a slot also says where it stands (`queue`).
 */
export async function readTask(rt: Pick<Runtime, 'tasks' | 'room'>, tenantId: string, id: string): Promise<string | null> {
  const read = await rt.tasks.readDoc(id, tenantId);
  if (read === null || !read.inLine) return read?.doc ?? null;
  const { doc } = read;
  const at = await rt.room.position(id);
  return at ? `${doc.slice(0, -1)},"queue":{"position":${at.position},"ahead":${at.ahead}}}` : doc;
}

/**
 * A canceled task. A task still queued simply ends (not while its submit is in flight: that one's outcome is
 * unknown). A task the provider has accepted (`submitted` / `running`) ends at once too, but its upstream job runs on
 * (no provider documents a cancel call): it keeps its provider slot and is read quietly until the job ends
 * (`draining`, jobs/poll.ts), and its cost is the provider's price, which is charged at submit.
 */
export function cancelTransition(rec: TaskRecord, price: (provider: string) => number): TaskRecord | null {
  const { task, priv } = rec;
  if (task.status === 'queued' && priv.phase !== 'submitting') return { ...rec, task: canceled(task, 'canceled by the client') };
  if ((task.status !== 'submitted' && task.status !== 'running') || priv.phase !== 'polling' || !task.provider) return null;
  const message = `canceled by the client while ${task.provider} ran the job; the job runs on upstream and the provider still charges for it`;
  const ended = canceled({ ...task, cost: task.cost ?? { amountUsd: price(task.provider), reported: false } }, message);
  return {
    ...rec,
    task: { ...ended, error: { code: 'canceled', message, provider: task.provider, upstream: null } },
    priv: { ...priv, draining: true },
  };
}

/** Cancels a task that is not final yet (see `cancelTransition`); 409 for one that ended otherwise or is being submitted. */
export async function cancelTask(rt: Pick<Runtime, 'config' | 'tasks' | 'transitions'>, tenantId: string, id: string): Promise<Task> {
  const owner = await rt.tasks.tenantOf(id);
  if (owner !== tenantId) throw apiError('not_found', `task ${id} not found`);
  const out = await rt.transitions.apply(id, (r) => cancelTransition(r, (provider) => priceUsd(rt.config, provider, r.task.action)));
  if (!out) throw apiError('not_found', `task ${id} not found`);
  if (out.rec.task.status !== 'canceled') {
    const why = out.rec.task.status === 'queued' ? 'being submitted right now: try again in a moment' : `${out.rec.task.status}: a final task cannot be canceled`;
    throw apiError('not_cancelable', `task ${id} is ${why}`);
  }
  return out.rec.task;
}

/** Admin support lookup: the task a provider's job id belongs to, with its tenant. */
export async function findByUpstream(rt: Pick<Runtime, 'tasks'>, providerId: string, upstreamId: string): Promise<{ tenantId: string; task: Task }> {
  const taskId = await rt.tasks.taskForUpstream(providerId, upstreamId);
  const rec = taskId ? await rt.tasks.get(taskId) : null;
  if (!rec) throw apiError('not_found', `no task of provider ${providerId} has upstream id ${upstreamId} (within retention)`);
  return { tenantId: rec.priv.tenantId, task: rec.task };
}
