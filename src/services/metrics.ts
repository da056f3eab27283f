/**
 * Prometheus metrics, one registry per runtime (several runtimes may share a process in tests). Counters and
 * histograms count what this process did; gauges of shared state (queues, slots, circuits) are read from Redis at
 * scrape time, so any process answers for the whole deployment.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestHistogram } from './request-histogram.js';

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TASK_SECONDS = [1, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800];

export function createMetrics(defaults = true) {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'mjg_' });
  const r = [registry];
  return {
    registry,
    /** Labels route, method, status (observed on every request: see request-histogram.ts). */
    httpRequests: new RequestHistogram('mjg_http_request_duration_seconds', 'HTTP requests by route, method and status', LATENCY, registry),
    tasksFinished: new Counter({ name: 'mjg_tasks_finished_total', help: 'Tasks that reached a final status', labelNames: ['action', 'provider', 'status', 'code'], registers: r }),
    taskDuration: new Histogram({ name: 'mjg_task_duration_seconds', help: 'Time from submit to final status', labelNames: ['action', 'status'], buckets: TASK_SECONDS, registers: r }),
    upstreamCalls: new Histogram({ name: 'mjg_upstream_call_duration_seconds', help: 'Upstream calls by provider, endpoint (submit|poll) and outcome (ok or error class)', labelNames: ['provider', 'endpoint', 'outcome'], buckets: LATENCY, registers: r }),
    polls: new Counter({ name: 'mjg_polls_total', help: 'Upstream job reads; divide by mjg_tasks_finished_total for polls per task', labelNames: ['provider'], registers: r }),
    submitAttempts: new Counter({ name: 'mjg_submit_attempts_total', help: 'Upstream submit attempts by provider, outcome and error class', labelNames: ['provider', 'outcome', 'class'], registers: r }),
    failovers: new Counter({ name: 'mjg_failovers_total', help: 'Tasks moved from one provider to another', labelNames: ['from', 'reason'], registers: r }),
    resubmissions: new Counter({ name: 'mjg_resubmissions_total', help: 'Root tasks resubmitted elsewhere after a provider-side job failure', labelNames: ['from'], registers: r }),
    ambiguousSubmits: new Counter({ name: 'mjg_ambiguous_submits_total', help: 'Submits whose outcome is unknown (answer lost, or worker died mid-submit)', labelNames: ['provider', 'cause'], registers: r }),
    orphanJobs: new Counter({ name: 'mjg_orphan_upstream_jobs_total', help: 'Upstream jobs found running that no task knows (a submit whose answer was lost, sent again); tenant empty when unknown', labelNames: ['provider', 'tenant'], registers: r }),
    circuitTransitions: new Counter({ name: 'mjg_circuit_transitions_total', help: 'Circuit breaker state changes seen by this process', labelNames: ['provider', 'to'], registers: r }),
    slotWaits: new Counter({ name: 'mjg_slot_waits_total', help: 'Times a task had to wait for a slot', labelNames: ['scope'], registers: r }),
    balanceSkips: new Counter({ name: 'mjg_low_balance_skips_total', help: 'Root-task routings that passed over a provider under its minBalanceUsd', labelNames: ['provider'], registers: r }),
    openWaits: new Counter({ name: 'mjg_open_circuit_waits_total', help: 'Times a task waited because every eligible provider was open', registers: r }),
    webhookDeliveries: new Counter({ name: 'mjg_webhook_deliveries_total', help: 'Client webhook delivery attempts by outcome (delivered, retry, gave_up)', labelNames: ['outcome'], registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export interface SharedStateReaders {
  queueCounts(): Promise<Record<string, Record<string, number>>>;
  slotUse(): Promise<Array<{ provider: string; inUse: number; max: number }>>;
  circuitStates(): Promise<Record<string, 'closed' | 'open' | 'half_open'>>;
  /** Tasks waiting in line per provider and tenant, and when the oldest of each arrived (ms epoch). */
  waiting(): Promise<Array<{ provider: string; tenant: string; waiting: number; oldestAt: number | null }>>;
}

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** Gauges read at scrape time: queue depths, slot use, circuit states (0 closed, 1 half-open, 2 open). */
export function registerSharedGauges(m: Metrics, read: SharedStateReaders): void {
  const r = [m.registry];
  new Gauge({
    name: 'mjg_queue_jobs', help: 'BullMQ jobs by queue and state', labelNames: ['queue', 'state'], registers: r,
    async collect() {
      for (const [queue, counts] of Object.entries(await read.queueCounts())) for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
    },
  });
  new Gauge({
    name: 'mjg_provider_slots_in_use', help: 'Upstream jobs in flight per provider', labelNames: ['provider'], registers: r,
    async collect() {
      for (const s of await read.slotUse()) this.set({ provider: s.provider }, s.inUse);
    },
  });
  new Gauge({
    name: 'mjg_provider_slots_max', help: 'maxConcurrency per provider', labelNames: ['provider'], registers: r,
    async collect() {
      for (const s of await read.slotUse()) this.set({ provider: s.provider }, s.max);
    },
  });
  new Gauge({
    name: 'mjg_tasks_waiting', help: 'Tasks waiting in line for a slot, per provider and tenant (a task eligible for several providers counts on each)', labelNames: ['provider', 'tenant'], registers: r,
    async collect() {
      this.reset();
      for (const w of await read.waiting()) this.set({ provider: w.provider, tenant: w.tenant }, w.waiting);
    },
  });
  new Gauge({
    name: 'mjg_oldest_wait_seconds', help: 'Age of the oldest task waiting in line for a slot, per provider (0: none waits)', labelNames: ['provider'], registers: r,
    async collect() {
      const now = Date.now();
      const oldest = new Map<string, number>();
      for (const w of await read.waiting()) if (w.oldestAt !== null) oldest.set(w.provider, Math.min(oldest.get(w.provider) ?? Infinity, w.oldestAt));
      this.reset();
      for (const [provider, at] of oldest) this.set({ provider }, Math.max(0, (now - at) / 1000));
    },
  });
  new Gauge({
    name: 'mjg_circuit_state', help: 'Circuit state per provider: 0 closed, 1 half-open, 2 open', labelNames: ['provider'], registers: r,
    async collect() {
      for (const [provider, state] of Object.entries(await read.circuitStates())) this.set({ provider }, CIRCUIT_VALUE[state]);
    },
  });
}
