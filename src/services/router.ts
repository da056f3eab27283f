/**
 * Orders the providers a task's next submit may go to. Root tasks: eligible providers (capability, speed, tenant
 * allow-list, pin, not already failed) whose circuit is not open, best priority tier first, then weighted (or
 * least-busy) within a tier; admission (services/admission.ts) takes the first with a free slot, or puts the task in
 * line for all of them. Follow-ups: only the parent's provider. When every eligible provider is open, the task waits
 * in line for them all (the room hands it a slot once one may take traffic again).
 */
import { describeRequest, eligible, preferenceOrder, type RouteCandidate } from '../domain/routing.js';
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import { providersInUse } from './admission.js';
import { lowBalance } from './balances.js';

export type RouteChoice =
  | { kind: 'providers'; ids: string[] }
  | { kind: 'wait'; ids: string[]; reason: string }
  | { kind: 'fail'; code: 'no_provider_available'; message: string };

type Deps = Pick<Runtime, 'config' | 'providers' | 'circuits' | 'room' | 'balances' | 'metrics' | 'log'>;

function pinnedChoice(rt: Pick<Runtime, 'providers'>, rec: TaskRecord, id: string): RouteChoice | null {
  const entry = rt.providers.get(id);
  if (!entry) return { kind: 'fail', code: 'no_provider_available', message: `provider ${id}, which ran the parent task, is no longer configured` };
  const why = rt.providers.unsupported(entry, rec.priv.request);
  if (why) return { kind: 'fail', code: 'no_provider_available', message: `${id} cannot run ${describeRequest(rec.priv.request)}: ${why}` };
  return null;
}

/** A root task passes over providers under their `minBalanceUsd` while another is usable (a stale read never strands it). */
async function passOverLowBalance(rt: Deps, usable: RouteCandidate[]): Promise<RouteCandidate[]> {
  const low = await lowBalance(rt, usable.map((c) => c.id));
  if (low.size === 0 || low.size === usable.length) return usable;
  for (const id of low) rt.metrics.balanceSkips.inc({ provider: id });
  rt.log.debug({ providers: [...low] }, 'passing over providers under minBalanceUsd');
  return usable.filter((c) => !low.has(c.id));
}

/** Candidates in order; `skip` lists providers found unusable earlier in this run (e.g. a probe already taken). */
export async function chooseProviders(rt: Deps, rec: TaskRecord, skip: string[] = [], now = Date.now()): Promise<RouteChoice> {
  const { priv } = rec;
  let ok: RouteCandidate[];
  if (priv.pinnedProvider) {
    const refused = pinnedChoice(rt, rec, priv.pinnedProvider);
    if (refused) return refused;
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
  let usable = ok.filter((c) => views[c.id]!.state !== 'open' && !skip.includes(c.id));
  if (!priv.pinnedProvider && usable.length > 1) usable = await passOverLowBalance(rt, usable);
  if (usable.length === 0) {
    const names = ok.map((c) => `${c.id} (${views[c.id]!.state}${views[c.id]!.reason ? `: ${views[c.id]!.reason}` : ''})`).join(', ');
    return { kind: 'wait', ids: ok.map((c) => c.id), reason: `every eligible provider is unavailable: ${names}` };
  }
  let ordered = preferenceOrder(usable);
  if (rt.config.routing.strategy === 'least-busy' && ordered.length > 1) {
    const used = await providersInUse(rt, ordered.map((c) => c.id));
    const free = new Map(ordered.map((c, i) => [c.id, rt.providers.get(c.id)!.config.maxConcurrency - used[i]!]));
    // Stable: within a tier, the most free slots first; equal ones keep their weighted order.
    ordered = [...ordered].sort((a, b) => a.priority - b.priority || free.get(b.id)! - free.get(a.id)!);
  }
  // A submit whose answer a crash lost goes back to the provider that may hold the job (no paid duplicate elsewhere).
  const inFlight = priv.phase === 'submitting' && priv.submittingTo ? ordered.find((c) => c.id === priv.submittingTo) : undefined;
  if (inFlight) return { kind: 'providers', ids: [inFlight.id] };
  // A task retrying the same provider after a transient error goes back to it first.
  const sticky = priv.waitingFor ? ordered.find((c) => c.id === priv.waitingFor) : undefined;
  if (sticky) ordered = [sticky, ...ordered.filter((c) => c !== sticky)];
  return { kind: 'providers', ids: ordered.map((c) => c.id) };
}
