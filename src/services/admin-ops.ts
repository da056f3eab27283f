/** The operator views behind `/admin`: every provider with its health and recent error rate, queue depths. */
import { apiError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { AdminProvider, AdminQueues } from '../schemas/admin-ops.js';
import type { Task } from '../schemas/task.js';
import { providersInUse } from './admission.js';
import { queueDepths } from './queue-depths.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function providersOverview(rt: Pick<Runtime, 'providers' | 'circuits' | 'room' | 'config'>): Promise<AdminProvider[]> {
  const entries = [...rt.providers.entries.values()];
  const ids = entries.map((e) => e.config.id);
  const [circuits, inFlight, waiting, recent] = await Promise.all([rt.circuits.view(ids), providersInUse(rt, ids), rt.room.waiting(ids), rt.circuits.recent(ids)]);
  return entries.map((e, i) => {
    const c = circuits[e.config.id]!;
    const r = recent[i]!;
    return {
      id: e.config.id, type: e.config.type, priority: e.config.priority, weight: e.config.weight,
      inFlight: inFlight[i]!, maxConcurrency: e.config.maxConcurrency,
      waiting: waiting.filter((w) => w.provider === e.config.id).reduce((n, w) => n + w.waiting, 0),
      circuit: { state: c.state, openUntil: iso(c.openUntil), reason: c.reason },
      recent: { windowSeconds: rt.config.circuitBreaker.windowMs / 1000, ...r, errorRate: r.submits ? r.failures / r.submits : null },
    };
  });
}

export async function queuesOverview(rt: Pick<Runtime, 'queues' | 'polls' | 'providers' | 'room'>, now = Date.now()): Promise<AdminQueues> {
  const [depths, room] = await Promise.all([queueDepths(rt), rt.room.waiting([...rt.providers.entries.keys()])]);
  const { polls, ...queues } = depths;
  const oldest = Math.min(...room.flatMap((w) => (w.oldestAt === null ? [] : [w.oldestAt])));
  return {
    queues: Object.entries(queues).map(([name, c]) => ({ name, waiting: c.wait, active: c.active, delayed: c.delayed, failed: c.failed })),
    reads: { due: polls!.wait, running: polls!.active, scheduled: polls!.delayed },
    waitingRoom: room.map((w) => ({ provider: w.provider, tenant: w.tenant, waiting: w.waiting, oldestAt: iso(w.oldestAt) })),
    oldestWaitingSeconds: Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1000) : null,
  };
}

/** Any tenant's task, also one of a deleted tenant (kept until retention). */
export async function readAnyTask(rt: Pick<Runtime, 'tasks'>, id: string): Promise<{ tenantId: string; task: Task }> {
  const rec = await rt.tasks.get(id);
  if (!rec) throw apiError('not_found', `task ${id} not found`);
  return { tenantId: rec.priv.tenantId, task: rec.task };
}
