/**
 * The poll dispatcher (worker role): one loop per provider claims due reads from the shared schedule
 * (store/poll-schedule.ts) — as many as this process has room for (`workers.concurrency` reads at once) and the
 * provider's budget grants — makes them, and schedules each task's next read. It sleeps until the next read comes
 * due (at most IDLE_MS, as other processes schedule reads too) and wakes at once when a provider callback brings a
 * read forward (pub/sub). A read cut short by a crash comes back to the schedule when its lease
 * (`workers.lockDurationMs`) ends.
 */
import { parseMember } from '../store/poll-schedule.js';
import type { Runtime } from '../runtime.js';
import { createPollProcessor } from './poll.js';
import { retryBackoff } from './queues.js';

/** Longest sleep of an idle loop: reads scheduled by other processes are picked up at most this late. */
const IDLE_MS = 100;
/** A read that threw (Redis unreachable, a bug) is tried again this much later. */
const ERROR_RETRY_MS = 2_000;

export interface PollDispatcher {
  /** Stops claiming; waits up to `graceMs` for reads in flight, then hands the rest back to the schedule. */
  close(graceMs?: number): Promise<void>;
}

export async function startPollDispatcher(rt: Pick<Runtime, 'config' | 'redisAddress' | 'log' | 'tasks' | 'transitions' | 'providers' | 'queues' | 'metrics' | 'polls' | 'media' | 'durations' | 'room'>): Promise<PollDispatcher> {
  const poll = createPollProcessor(rt);
  const { concurrency, lockDurationMs: leaseMs } = rt.config.workers;
  const inFlight = new Map<string, { providerId: string; leaseEnd: number; done: Promise<void> }>();
  const sleepers = new Map<string, () => void>();
  let stopping = false;

  /** Ends the provider loop's sleep (all loops when no provider is named). */
  const kick = (providerId?: string) => {
    for (const [id, wake] of sleepers) if (!providerId || id === providerId) wake();
  };
  const nap = (providerId: string, ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        sleepers.delete(providerId);
        resolve();
      }
      sleepers.set(providerId, done);
    });

  const sub = rt.polls.subscribeWakes(rt.redisAddress, kick, (err) => rt.log.warn({ err: err.message }, 'poll wake subscription error'));
  // Without the subscription, reads brought forward still go within IDLE_MS: start anyway.
  await sub.ready.catch((err: Error) => rt.log.warn({ err: err.message }, 'poll wake subscription not ready; it keeps connecting'));

  function read(providerId: string, member: string, leaseEnd: number): void {
    const { taskId, generation } = parseMember(member);
    const done = (async () => {
      let next: number | null;
      try {
        next = await poll(taskId, generation);
      } catch (err) {
        rt.log.error({ taskId, provider: providerId, err: (err as Error).message }, 'poll failed unexpectedly; reading again shortly');
        next = Date.now() + ERROR_RETRY_MS;
      }
      try {
        await rt.polls.finish(providerId, member, leaseEnd, next);
      } catch (err) {
        // The lease ends and the next claim hands the read back: nothing is lost, it is only late.
        rt.log.error({ taskId, provider: providerId, err: (err as Error).message }, 'could not schedule the next read; it comes back when its lease ends');
      }
    })().finally(() => {
      inFlight.delete(member);
      kick();
    });
    inFlight.set(member, { providerId, leaseEnd, done });
  }

  async function loop(providerId: string): Promise<void> {
    for (let failures = 0; !stopping; ) {
      const room = concurrency - inFlight.size;
      if (room <= 0) {
        await nap(providerId, IDLE_MS);
        continue;
      }
      const entry = rt.providers.get(providerId);
      if (!entry) return;
      let claim;
      try {
        claim = await rt.polls.claim(providerId, room, entry.config.pollsPerSecond, leaseMs);
        failures = 0;
      } catch (err) {
        if (failures++ === 0) rt.log.warn({ provider: providerId, err: (err as Error).message }, 'cannot claim polls; retrying');
        await nap(providerId, retryBackoff(failures));
        continue;
      }
      if (stopping) {
        // Claimed while stopping: give them straight back.
        await rt.polls.release(providerId, claim.members, claim.leaseEnd).catch(() => undefined);
        return;
      }
      for (const member of claim.members) read(providerId, member, claim.leaseEnd);
      if (claim.members.length === 0) await nap(providerId, claim.waitMs < 0 ? IDLE_MS : Math.min(claim.waitMs, IDLE_MS));
    }
  }

  const loops = [...rt.providers.entries.keys()].map((id) => loop(id));
  rt.log.info({ providers: rt.providers.entries.size, concurrency }, 'poll dispatcher started');

  return {
    async close(graceMs = 7_000) {
      stopping = true;
      kick();
      await Promise.all(loops);
      const running = [...inFlight.values()];
      const late = await Promise.race([
        Promise.all(running.map((r) => r.done)).then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
      ]);
      if (late) {
        const left = [...inFlight.entries()];
        rt.log.warn({ reads: left.length }, 'reads still running at shutdown: handing them back');
        await Promise.all(left.map(([member, r]) => rt.polls.release(r.providerId, [member], r.leaseEnd).catch(() => undefined)));
      }
      await sub.close();
    },
  };
}
