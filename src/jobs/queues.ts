/** Queue names, their default job options, and the enqueue helpers (jobs carry ids, never secrets). */
import { Job, Queue, type JobsOptions, type QueueOptions } from 'bullmq';
import type { Redis } from 'ioredis';

export const QUEUE = { submissions: 'submissions', maintenance: 'maintenance', webhooks: 'webhooks' } as const;

/** Payload of a submission job. `generation` names the upstream job; a newer one makes old jobs stop. */
export interface TaskJobData {
  taskId: string;
  generation: number;
}

/** Delay before retrying a job that threw (a Redis outage, a bug): exponential from 250 ms, capped at 10 s. */
export const retryBackoff = (attemptsMade: number) => Math.min(10_000, 250 * 2 ** Math.min(attemptsMade, 10));

const JOB_DEFAULTS: JobsOptions = {
  // Unexpected errors are retried for as long as the task lives (a job ends once its task is final, and every task
  // ends by its deadline), never more than 10 s apart: an infrastructure outage must not kill a task's jobs.
  // Upstream errors never reach BullMQ: the processors handle them.
  attempts: 1_000_000,
  backoff: { type: 'capped' },
  // A done job is state nobody reads (the task holds it): drop it at once. Job ids come from the task, so a late
  // re-add (the sweeper) makes a job that sees the task already moved on and returns.
  removeOnComplete: true,
  removeOnFail: { age: 7 * 86_400, count: 1000 },
};

/** The gateway's queues, each created on first use (a runtime that never enqueues never connects BullMQ). */
export class Queues {
  private readonly made = new Map<string, Queue>();
  private readonly opts: QueueOptions;
  private closed = false;

  /** BullMQ's key prefix (workers use the same). */
  constructor(connection: Redis, readonly prefix: string) {
    // Nothing here listens to BullMQ's event streams: keep them short instead of 10,000 entries a queue.
    this.opts = { connection, prefix, defaultJobOptions: JOB_DEFAULTS, streams: { events: { maxLen: 100 } } };
  }

  private queue<T>(name: string, defaultJobOptions: JobsOptions): Queue<T> {
    let q = this.made.get(name);
    if (!q) {
      // A queue made after close would write its meta key on a connection about to quit (a late scrape, a straggler).
      if (this.closed) throw new Error(`queue ${name} asked for after the queues closed`);
      q = new Queue(name, { ...this.opts, defaultJobOptions });
      // Connection errors surface on the shared connection's own listener (runtime.ts); the queues only re-emit them.
      q.on('error', () => undefined);
      this.made.set(name, q);
    }
    return q as Queue<T>;
  }

  get submissions(): Queue<TaskJobData> {
    return this.queue(QUEUE.submissions, JOB_DEFAULTS);
  }

  get maintenance(): Queue {
    return this.queue(QUEUE.maintenance, { removeOnComplete: true, removeOnFail: 100 });
  }

  /** One job per task's webhook chain (payload `{ taskId, chain }`, see jobs/webhooks.ts). */
  get webhooks(): Queue<{ taskId: string; chain: number }> {
    // Removed when done either way: a chain's job id must be free for a later re-add to re-create it.
    return this.queue(QUEUE.webhooks, { ...JOB_DEFAULTS, removeOnFail: true });
  }

  static submissionId = (taskId: string, generation: number) => `${taskId}-s${generation}`;

  /** Idempotent: the job id is derived from the task, so a repeat (e.g. by the sweeper) adds nothing. */
  async enqueueSubmission(taskId: string, generation: number, delayMs = 0): Promise<void> {
    await this.submissions.add('submit', { taskId, generation }, { jobId: Queues.submissionId(taskId, generation), delay: delayMs });
  }

  /**
   * Moves a delayed submission job to the wait list at once (a task waiting in line was handed a slot). False when the
   * job is not delayed (running, waiting, gone): nothing to do. The Job is built from its id alone: promoting needs
   * nothing else, which saves reading the job first.
   */
  async promoteSubmission(jobId: string): Promise<boolean> {
    try {
      await new Job(this.submissions, 'submit', {}, {}, jobId).promote();
      return true;
    } catch (err) {
      if (/not in the delayed state|does not exist|Missing key/i.test((err as Error).message)) return false;
      throw err;
    }
  }

  /** Idempotent per chain: adding the running chain again is a no-op, and re-creates it if a crash lost it. */
  async enqueueWebhookChain(taskId: string, chain: number): Promise<void> {
    await this.webhooks.add('deliver', { taskId, chain }, { jobId: `${taskId}-w${chain}` });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.made.values()].map((q) => q.close()));
  }
}
