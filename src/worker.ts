/** The worker role: one BullMQ Worker per queue, on connections of their own, closed on shutdown. */
import { Worker, type Processor } from 'bullmq';
import { createPollProcessor } from './jobs/poll.js';
import { QUEUE } from './jobs/queues.js';
import { createSubmissionProcessor } from './jobs/submission.js';
import { sweep } from './jobs/sweeper.js';
import { createRedis, type Runtime } from './runtime.js';

export interface Workers { close(): Promise<void> }

export async function startWorkers(rt: Runtime): Promise<Workers> {
  const { workers: w } = rt.config;
  const connection = createRedis(rt.config.redisUrl, { worker: true });
  const opts = { connection, prefix: rt.keys.queuePrefix, lockDuration: w.lockDurationMs, stalledInterval: w.stalledIntervalMs, maxStalledCount: 1000 };
  const make = (name: string, processor: Processor, concurrency: number) => {
    const worker = new Worker(name, processor, { ...opts, concurrency });
    worker.on('failed', (job, err) => rt.log.error({ queue: name, jobId: job?.id, err: err.message }, 'job failed'));
    worker.on('error', (err) => rt.log.error({ queue: name, err: err.message }, 'worker error'));
    return worker;
  };
  const list = [
    make(QUEUE.submissions, createSubmissionProcessor(rt) as Processor, w.concurrency),
    make(QUEUE.polls, createPollProcessor(rt) as Processor, w.concurrency),
    make(QUEUE.maintenance, async () => sweep(rt), 1),
  ];
  await rt.queues.maintenance.upsertJobScheduler('sweep', { every: w.sweepIntervalMs }, { name: 'sweep' });
  await Promise.all(list.map((x) => x.waitUntilReady()));
  rt.log.info({ queues: Object.values(QUEUE), concurrency: w.concurrency }, 'workers started');
  return {
    async close() {
      await Promise.all(list.map((x) => x.close()));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
