/**
 * The midjourney-proxy ingress's rules: every submit becomes a canonical task through the one submit path
 * (services/tasks.ts); button presses are checked against the task's own buttons; MODAL steps wait in
 * mj-proxy-store until `submit/modal` completes them.
 */
import { newTaskId } from '../../domain/ids.js';
import type { MjProxyExtras } from '../../domain/task.js';
import { apiError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import { submitBodySchema } from '../../schemas/task.js';
import { cancelTask, submitTask } from '../../services/tasks.js';
import type { Tenant } from '../../store/tenant-store.js';
import type { ModalStep } from '../../store/mj-proxy-store.js';
import { pressOf } from './buttons.js';
import { canRunOn } from './reads.js';
import { completeModal } from './translate.js';

export interface MjAnswer { code: number; description: string; result: string | null; properties: Record<string, unknown> }

/** What rides along with a submit: the echoed `state`, the `notifyHook`, the speed of the route prefix. */
export interface SubmitContext { state?: string; notifyHook?: string; speed?: 'relax' | 'fast' | 'turbo' }

type Rt = Pick<Runtime, 'config' | 'tasks' | 'providers' | 'mjProxy' | 'transitions' | 'room' | 'media'>;

const ok = (result: string, properties: Record<string, unknown> = {}): MjAnswer => ({ code: 1, description: 'Submit success', result, properties });

/** Submits a canonical body (validated like `POST /v1/tasks`) as the tenant's task; answers code 1 with its id. */
export async function submitCanonical(rt: Rt, tenant: Tenant, body: Record<string, unknown>, ctx: SubmitContext, idempotencyKey?: string): Promise<MjAnswer> {
  const hook = ctx.notifyHook?.trim() || undefined;
  const parsed = submitBodySchema.safeParse({ ...body, ...(ctx.speed ? { speed: ctx.speed } : {}), ...(hook ? { callbackUrl: hook } : {}) });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
    throw apiError('invalid_request', issues.join('; '), parsed.error.issues);
  }
  const mjProxy: MjProxyExtras = {};
  if (ctx.state !== undefined && ctx.state !== '') mjProxy.state = ctx.state;
  if (hook) mjProxy.hook = true;
  const ahead = await waitingAhead(rt, tenant);
  const { task } = await submitTask(rt, tenant, parsed.data, idempotencyKey, Object.keys(mjProxy).length ? { mjProxy } : undefined);
  const id = (JSON.parse(task) as { id: string }).id;
  if (ahead === null) return ok(id);
  return { code: 22, description: `In queue, there are ${ahead} tasks ahead`, result: id, properties: { numberOfQueues: ahead } };
}

/**
 * Null when a new task of the tenant would get a slot at once; else how many tasks wait in line before it (its own
 * tasks already waiting, or every provider it may use full): the `numberOfQueues` of answer code 22.
 */
async function waitingAhead(rt: Pick<Runtime, 'room' | 'providers'>, tenant: Tenant): Promise<number | null> {
  const ids = (tenant.providers ?? [...rt.providers.entries.keys()]).filter((id) => rt.providers.get(id));
  if (ids.length === 0) return null;
  const [groups, used] = await Promise.all([rt.room.waiting(ids), rt.room.inUse(ids)]);
  const full = ids.every((id, i) => used[i]! >= rt.providers.get(id)!.config.maxConcurrency);
  // A task waits for every provider it may use: count it once, at its longest line.
  const perTenant = new Map<string, number>();
  for (const g of groups) perTenant.set(g.tenant, Math.max(perTenant.get(g.tenant) ?? 0, g.waiting));
  if (!full && !perTenant.has(tenant.id)) return null;
  return [...perTenant.values()].reduce((n, w) => n + w, 0);
}

/** The tenant's task record, or 404 as for an unknown one. */
async function ownTask(rt: Pick<Runtime, 'tasks'>, tenantId: string, id: string) {
  const rec = await rt.tasks.get(id);
  if (!rec || rec.priv.tenantId !== tenantId) throw apiError('not_found', `task ${id} not found`);
  return rec;
}

/** `submit/action`: the button `customId` of task `taskId`, as a follow-up or a MODAL step (code 21). */
export async function pressButton(rt: Rt, tenant: Tenant, b: { taskId: string; customId: string; enableRemix?: boolean }, ctx: SubmitContext): Promise<MjAnswer> {
  const { task } = await ownTask(rt, tenant.id, b.taskId);
  const canRun = canRunOn(rt, task.provider);
  const press = pressOf(task, b.customId, canRun);
  if (!press) {
    const why = task.status === 'succeeded' ? 'it is not one of its buttons' : `the task is ${task.status}; buttons come with a finished task`;
    throw apiError('invalid_request', `customId ${b.customId} cannot be pressed on task ${task.id}: ${why}`);
  }
  const remix = b.enableRemix === true && 'body' in press && press.body.action === 'variation';
  if ('body' in press && !remix) return submitCanonical(rt, tenant, press.body, ctx);
  const kind = 'modal' in press ? press.modal : 'remix';
  const base = 'modal' in press ? press.base : { ...press.body, action: 'remix', strength: press.body.strength ?? 'strong' };
  if (kind === 'remix' && !canRun({ ...base, prompt: 'x' } as never)) throw apiError('action_not_supported', `${task.provider ?? 'the provider'} cannot remix`);
  const finalPrompt = 'prompt' in task.input && typeof task.input.prompt === 'string' ? task.input.prompt : '';
  const step: ModalStep = {
    id: newTaskId(), tenantId: tenant.id, sourceId: task.id, customId: b.customId, kind, base, finalPrompt, createdAt: Date.now(),
    ...(ctx.state ? { state: ctx.state } : {}), ...(ctx.notifyHook ? { notifyHook: ctx.notifyHook } : {}), ...(ctx.speed ? { speed: ctx.speed } : {}),
  };
  await rt.mjProxy.saveModal(step, rt.config.mjProxy.modalTtlSeconds);
  return { code: 21, description: 'Waiting for window confirm', result: step.id, properties: { finalPrompt, remix: kind === 'remix' } };
}

/** `submit/modal`: completes a MODAL step into its task (a repeat answers the same task). */
export async function submitModal(rt: Rt, tenant: Tenant, b: { taskId: string; prompt?: string; maskBase64?: string }, ctx: SubmitContext): Promise<MjAnswer> {
  const [read] = await rt.mjProxy.readMany([b.taskId], tenant.id);
  if (!read) throw apiError('not_found', `task ${b.taskId} not found (a MODAL step expires after ${rt.config.mjProxy.modalTtlSeconds} s)`);
  if (!('modal' in read)) throw apiError('invalid_request', `task ${b.taskId} is not waiting for a modal: press a vary region, custom zoom or remix button first`);
  const step = read.modal;
  if (step.taskId) return ok(step.taskId);
  const body = completeModal(step.kind, step.base, b.prompt, b.maskBase64);
  // Keyed by the step: two submits of the same modal at once make one task (a different body is refused).
  const answer = await submitCanonical(rt, tenant, body, {
    state: ctx.state || step.state, notifyHook: ctx.notifyHook?.trim() || step.notifyHook, speed: ctx.speed ?? step.speed,
  }, `mj-modal:${step.id}`);
  await rt.mjProxy.completeModal(step, answer.result!);
  return answer;
}

/** `task/{id}/image-seed`. */
export async function imageSeed(rt: Pick<Runtime, 'tasks'>, tenantId: string, id: string): Promise<MjAnswer> {
  const { task } = await ownTask(rt, tenantId, id);
  const seed = task.output?.seed;
  if (!seed) throw apiError('invalid_request', task.status === 'succeeded' ? `task ${id}: its provider reported no seed` : `task ${id} is ${task.status}; the seed comes with a finished task`);
  return { code: 1, description: 'Success', result: seed, properties: {} };
}

/** `task/{id}/cancel`: cancels a task that is not final yet (services/tasks.ts `cancelTask`). */
export async function cancel(rt: Pick<Runtime, 'config' | 'tasks' | 'transitions'>, tenantId: string, id: string): Promise<MjAnswer> {
  const task = await cancelTask(rt, tenantId, id);
  return { code: 1, description: 'Canceled', result: task.id, properties: {} };
}
