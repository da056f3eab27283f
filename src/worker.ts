/**
 * The worker role: one BullMQ Worker per queue (submissions, webhooks, maintenance) on connections of their own, and
 * the poll dispatcher that reads in-flight upstream jobs on schedule; all closed on shutdown.
 */
import { Worker, type Processor } from 'bullmq';
import { startPollDispatcher } from './jobs/poll-dispatcher.js';
import { QUEUE, retryBackoff } from './jobs/queues.js';
import { createSubmissionProcessor } from './jobs/submission.js';
import { sweep } from './jobs/sweeper.js';
import { refreshBalances } from './jobs/balance.js';
import { createWebhookProcessor } from './jobs/webhooks.js';
import { startIntake } from './jobs/intake.js';
import { startRoomSweep } from './jobs/room-sweep.js';
import { reconcile } from './services/reconcile.js';
import type { Runtime } from './runtime.js';
import { createRedis } from './store/connections.js';

export interface Workers { close(graceMs?: number): Promise<void> }

export async function startWorkers(rt: Runtime): Promise<Workers> {
  const { workers: w } = rt.config;
  const connection = createRedis(rt.redisAddress, { worker: true, log: rt.log });
  const opts = {
    connection, prefix: rt.queues.prefix, lockDuration: w.lockDurationMs, stalledInterval: w.stalledIntervalMs, maxStalledCount: 1000,
    settings: { backoffStrategy: retryBackoff },
  };
  const make = (name: string, processor: Processor, concurrency: number) => {
    const worker = new Worker(name, processor, { ...opts, concurrency });
    worker.on('failed', (job, err) => rt.log.error({ queue: name, jobId: job?.id, err: err.message }, 'job failed'));
    worker.on('error', (err) => rt.log.error({ queue: name, err: err.message }, 'worker error'));
    return worker;
  };
  const webhooks = createWebhookProcessor(rt);
  const list = [
    make(QUEUE.webhooks, webhooks.process as Processor, w.concurrency),
    make(QUEUE.submissions, createSubmissionProcessor(rt) as Processor, w.concurrency),
    make(QUEUE.maintenance, async (job) => (job.name === 'reconcile' ? reconcile(rt) : job.name === 'balance' ? refreshBalances(rt) : sweep(rt)), 1),
  ];
  const intake = startIntake(rt); // new tasks' submission jobs and hand-offs' wake-ups (src/jobs/intake.ts)
  const roomSweep = startRoomSweep(rt);
  // The workers are already taking jobs: a Redis outage now must not kill the process (their jobs would be left
  // without a worker), so the schedules are set up in the background, retried until Redis answers.
  let closing = false;
  void (async () => {
    for (let attempt = 0; !closing; attempt++) {
      try {
        await rt.queues.maintenance.upsertJobScheduler('sweep', { every: w.sweepIntervalMs }, { name: 'sweep' });
        await rt.queues.maintenance.upsertJobScheduler('reconcile', { every: w.sweepIntervalMs }, { name: 'reconcile' });
        const balanceEvery = rt.config.balances.intervalMs;
        await (balanceEvery > 0 ? rt.queues.maintenance.upsertJobScheduler('balance', { every: balanceEvery }, { name: 'balance' }) : rt.queues.maintenance.removeJobScheduler('balance'));
        return;
      } catch (err) {
        rt.log.warn({ err: (err as Error).message, attempt }, 'cannot set up the maintenance schedule yet; retrying');
        await new Promise((r) => setTimeout(r, retryBackoff(attempt)));
      }
    }
  })();
  const polls = await startPollDispatcher(rt);
  await Promise.all(list.map((x) => x.waitUntilReady().catch((err: Error) => rt.log.warn({ err: err.message }, 'worker not ready yet; it keeps connecting'))));
  rt.log.info({ queues: Object.values(QUEUE), concurrency: w.concurrency }, 'workers started');
  return {
    async close(graceMs = 7_000) {
      closing = true; // the schedule loop above stops retrying
      await intake.close(); // first: it adds jobs through rt.queues
      await roomSweep.close();
      // Stop taking jobs and let running ones finish; past the grace period, hand them back (another worker
      // takes them over once their lock lapses) so the process still exits inside its 10 s budget.
      const gentle = Promise.all([...list.map((x) => x.close()), polls.close(graceMs)]);
      const late = await Promise.race([gentle.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
      if (late) {
        rt.log.warn({ graceMs }, 'jobs still running at shutdown: handing them back');
        await Promise.all(list.map((x) => x.close(true)));
      }
      await webhooks.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
