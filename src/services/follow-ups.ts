/** Writes `task.followUps` when a task succeeds, from the capabilities of the provider that ran it. */
import type { CanonicalRequest } from '../../providers/types.js';
import { followUpsOf } from '../domain/follow-ups.js';
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import type { ProviderEntry } from './providers.js';

/**
 * Each provider's answer per follow-up action. `followUpsOf` probes with one fixed request per action (only the
 * task id differs, which no capability check reads), so the answer is computed once per provider entry, not per task.
 */
const answers = new WeakMap<ProviderEntry, Map<string, boolean>>();

function canRunOn(rt: Pick<Runtime, 'providers'>, entry: ProviderEntry): (req: CanonicalRequest) => boolean {
  let known = answers.get(entry);
  if (!known) answers.set(entry, (known = new Map<string, boolean>()));
  return (req) => {
    let ok = known.get(req.action);
    if (ok === undefined) known.set(req.action, (ok = rt.providers.unsupported(entry, req) === null));
    return ok;
  };
}

export function withFollowUps(rt: Pick<Runtime, 'providers'>, rec: TaskRecord): TaskRecord {
  const entry = rec.task.provider ? rt.providers.get(rec.task.provider) : undefined;
  const followUps = entry ? followUpsOf(rec.task, canRunOn(rt, entry)) : [];
  return { ...rec, task: { ...rec.task, followUps } };
}

export function registerFollowUps(rt: Pick<Runtime, 'providers' | 'transitions'>): void {
  rt.transitions.onSuccess = (rec) => withFollowUps(rt, rec);
}
