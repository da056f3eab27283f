/** The end of a phase: every accepted task final (or the deadline), the final webhooks in, one last read of all. */
import { sleep } from '../bench/lib/proc.js';
import type { Received } from '../test/helpers/receiver.js';
import { FINAL, type Load } from './load.js';

export async function drain(load: Load, received: Received[], deadlineMs: number, webhookGraceMs: number): Promise<void> {
  for (const end = Date.now() + deadlineMs; load.unfinished().length > 0 && Date.now() < end; ) await sleep(500);
  await load.read([...load.tasks.keys()]);
  // Final webhooks still on their way: wait for them, at most the grace period (then they count as missing).
  const hooked = () => new Set(received.filter((r) => FINAL.has(String(r.headers['x-mjg-event']))).map((r) => r.path.split('/').pop()));
  for (const end = Date.now() + webhookGraceMs; Date.now() < end; ) {
    const got = hooked();
    if ([...load.tasks.values()].every((t) => !t.firstFinal || got.has(t.tag))) break;
    await sleep(500);
  }
  await load.read([...load.tasks.keys()]);
}
