/** Routing policy for root tasks: eligible providers → lowest priority tier → weighted choice. Pure. */
import type { CanonicalRequest } from '../../providers/types.js';

export interface RouteCandidate {
  id: string;
  priority: number;
  weight: number;
  /** Null when the provider can run the request, else why not. */
  unsupported: string | null;
}

export interface RouteFilter {
  allowList?: string[];
  pinned?: string;
  excluded: string[];
}

/** Providers that may run the request, best tier first; also why each other one cannot. */
export function eligible(cands: RouteCandidate[], filter: RouteFilter): { ok: RouteCandidate[]; refused: Record<string, string> } {
  const ok: RouteCandidate[] = [];
  const refused: Record<string, string> = {};
  for (const c of cands) {
    const why =
      filter.pinned && c.id !== filter.pinned ? 'not the requested provider'
      : filter.allowList && !filter.allowList.includes(c.id) ? 'not allowed for this tenant'
      : filter.excluded.includes(c.id) ? 'already failed for this task'
      : c.unsupported;
    if (why) refused[c.id] = why;
    else ok.push(c);
  }
  ok.sort((a, b) => a.priority - b.priority);
  return { ok, refused };
}

/** Weighted random choice within the lowest priority tier. `rand` in [0,1). */
export function pick(ok: RouteCandidate[], rand = Math.random()): RouteCandidate | undefined {
  if (ok.length === 0) return undefined;
  const tier = ok.filter((c) => c.priority === ok[0]!.priority);
  const total = tier.reduce((s, c) => s + c.weight, 0);
  let r = rand * total;
  for (const c of tier) {
    r -= c.weight;
    if (r < 0) return c;
  }
  return tier[tier.length - 1];
}

/**
 * Every candidate in order of preference: priority tiers best first; within a tier a weighted random order (each
 * next one drawn by weight among those left). `rand` draws in [0,1).
 */
export function preferenceOrder(ok: RouteCandidate[], rand: () => number = Math.random): RouteCandidate[] {
  const out: RouteCandidate[] = [];
  const byTier = new Map<number, RouteCandidate[]>();
  for (const c of ok) byTier.set(c.priority, [...(byTier.get(c.priority) ?? []), c]);
  for (const tier of [...byTier.keys()].sort((a, b) => a - b).map((p) => [...byTier.get(p)!])) {
    while (tier.length > 0) {
      const chosen = pick(tier, rand())!;
      out.push(chosen);
      tier.splice(tier.indexOf(chosen), 1);
    }
  }
  return out;
}

export const describeRequest = (req: CanonicalRequest) => (req.speed ? `${req.action} at speed ${req.speed}` : req.action);
