/** Job counts of every BullMQ queue and of the upstream read schedule (metrics and the admin view share them). */
import type { Runtime } from '../runtime.js';

export type JobCounts = Record<'wait' | 'active' | 'delayed' | 'failed', number>;

export async function queueDepths(rt: Pick<Runtime, 'queues' | 'polls' | 'providers'>): Promise<Record<string, JobCounts>> {
  const q = rt.queues;
  const entries = await Promise.all([q.submissions, q.webhooks, q.maintenance].map(async (queue) => {
    const c = await queue.getJobCounts('wait', 'active', 'delayed', 'failed');
    return [queue.name, { wait: c.wait ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 }] as const;
  }));
  // Reads of in-flight upstream jobs, in the same shape: due now, scheduled for later, being made.
  const reads = await rt.polls.counts([...rt.providers.entries.keys()]);
  return { ...Object.fromEntries(entries), polls: { wait: reads.due, active: reads.running, delayed: reads.scheduled, failed: 0 } };
}
