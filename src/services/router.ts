/**
 * Picks the provider for a task's next submit. Root tasks: eligible providers (capability, speed, tenant allow-list,
 * pin, not already failed) whose circuit is not open, best priority tier first, then weighted or least-busy.
 * Follow-ups: only the parent's provider. When every eligible provider is open, the task waits (stays queued).
 */
import { describeRequest, eligible, pick, type RouteCandidate } from '../domain/routing.js';
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import type { ProviderEntry } from './providers.js';
import { providersInUse } from './admission.js';

export type RouteChoice =
  | { kind: 'provider'; entry: ProviderEntry }
  | { kind: 'wait'; untilMs: number; reason: string }
  | { kind: 'fail'; code: 'no_provider_available'; message: string };

type Deps = Pick<Runtime, 'config' | 'providers' | 'circuits' | 'slots'>;

function pinnedChoice(rt: Pick<Runtime, 'providers'>, rec: TaskRecord, id: string): RouteChoice {
  const entry = rt.providers.get(id);
  if (!entry) return { kind: 'fail', code: 'no_provider_available', message: `provider ${id}, which ran the parent task, is no longer configured` };
  const why = rt.providers.unsupported(entry, rec.priv.request);
  if (why) return { kind: 'fail', code: 'no_provider_available', message: `${id} cannot run ${describeRequest(rec.priv.request)}: ${why}` };
  return { kind: 'provider', entry };
}

/** Chooses among candidates; `skip` lists providers found unusable earlier in this run (e.g. a probe already taken). */
export async function chooseProvider(rt: Deps, rec: TaskRecord, skip: string[] = [], now = Date.now()): Promise<RouteChoice> {
  const { priv } = rec;
  const { openWaitMs } = rt.config.routing;
  let ok: RouteCandidate[];
  if (priv.pinnedProvider) {
    const pinned = pinnedChoice(rt, rec, priv.pinnedProvider);
    if (pinned.kind !== 'provider') return pinned;
    ok = [{ id: priv.pinnedProvider, priority: 0, weight: 1, unsupported: null }];
  } else {
    const found = eligible(rt.providers.candidates(priv.request), { allowList: priv.allowList, pinned: priv.requestedProvider, excluded: priv.excluded });
    if (found.ok.length === 0) {
      const reasons = Object.entries(found.refused).map(([id, why]) => `${id}: ${why}`).join('; ');
      return { kind: 'fail', code: 'no_provider_available', message: `no provider left for ${describeRequest(priv.request)}${reasons ? ` (${reasons})` : ''}` };
    }
    ok = found.ok;
  }

  const views = await rt.circuits.view(ok.map((c) => c.id), now);
  const usable = ok.filter((c) => views[c.id]!.state !== 'open' && !skip.includes(c.id));
  if (usable.length === 0) {
    const soonest = Math.min(...ok.map((c) => views[c.id]!.openUntil ?? now + openWaitMs));
    const names = ok.map((c) => `${c.id} (${views[c.id]!.state}${views[c.id]!.reason ? `: ${views[c.id]!.reason}` : ''})`).join(', ');
    return { kind: 'wait', untilMs: Math.min(Math.max(soonest, now + 10), now + openWaitMs), reason: `every eligible provider is unavailable: ${names}` };
  }
  // While a task waits for a slot it keeps its place in that provider's line.
  const sticky = priv.waitingFor ? usable.find((c) => c.id === priv.waitingFor) : undefined;
  if (sticky) return { kind: 'provider', entry: rt.providers.get(sticky.id)! };
  const tier = usable.filter((c) => c.priority === usable[0]!.priority);
  let chosen = pick(tier);
  if (rt.config.routing.strategy === 'least-busy' && tier.length > 1) {
    const used = await providersInUse(rt, tier.map((c) => c.id));
    const free = tier.map((c, i) => rt.providers.get(c.id)!.config.maxConcurrency - used[i]!);
    const best = Math.max(...free);
    chosen = pick(tier.filter((_, i) => free[i] === best));
  }
  return { kind: 'provider', entry: rt.providers.get(chosen!.id)! };
}
