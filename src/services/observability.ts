/** Wires the runtime's metrics: task outcomes on final transitions, and gauges of shared state read at scrape time. */
import { isFinal } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import { registerSharedGauges } from './metrics.js';
import { providersInUse } from './admission.js';
import { queueDepths } from './queue-depths.js';

export function registerTaskMetrics(rt: Pick<Runtime, 'metrics' | 'transitions' | 'providers' | 'queues' | 'polls' | 'circuits' | 'room'>): void {
  const { metrics } = rt;
  rt.transitions.onStatusChange((rec) => {
    const t = rec.task;
    if (!isFinal(t.status)) return;
    metrics.tasksFinished.inc({ action: t.action, provider: t.provider ?? '', status: t.status, code: t.error?.code ?? '' });
    metrics.taskDuration.observe({ action: t.action, status: t.status }, (Date.parse(t.finishedAt ?? t.updatedAt) - Date.parse(t.createdAt)) / 1000);
  });
  const ids = () => [...rt.providers.entries.keys()];
  registerSharedGauges(metrics, {
    queueCounts: () => queueDepths(rt),
    async slotUse() {
      const used = await providersInUse(rt, ids());
      return ids().map((provider, i) => ({ provider, inUse: used[i]!, max: rt.providers.get(provider)!.config.maxConcurrency }));
    },
    waiting: () => rt.room.waiting(ids()),
    async circuitStates() {
      const views = await rt.circuits.view(ids());
      return Object.fromEntries(Object.entries(views).map(([id, v]) => [id, v.state]));
    },
  });
}
