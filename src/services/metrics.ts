/** Prometheus metrics, one registry per runtime (several runtimes may share a process in tests). */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(defaults = true) {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'mjg_process_' });
  const r = [registry];
  return {
    registry,
    submitAttempts: new Counter({ name: 'mjg_submit_attempts_total', help: 'Upstream submit attempts by provider, outcome and error class', labelNames: ['provider', 'outcome', 'class'], registers: r }),
    failovers: new Counter({ name: 'mjg_failovers_total', help: 'Tasks moved from one provider to another', labelNames: ['from', 'reason'], registers: r }),
    resubmissions: new Counter({ name: 'mjg_resubmissions_total', help: 'Root tasks resubmitted elsewhere after a provider-side job failure', labelNames: ['from'], registers: r }),
    ambiguousSubmits: new Counter({ name: 'mjg_ambiguous_submits_total', help: 'Submits whose outcome is unknown (answer lost, or worker died mid-submit)', labelNames: ['provider', 'cause'], registers: r }),
    circuitTransitions: new Counter({ name: 'mjg_circuit_transitions_total', help: 'Circuit breaker state changes', labelNames: ['provider', 'to'], registers: r }),
    circuitOpen: new Gauge({ name: 'mjg_circuit_open', help: '1 while the provider circuit is open or half-open (as last seen by this process)', labelNames: ['provider'], registers: r }),
    slotWaits: new Counter({ name: 'mjg_slot_waits_total', help: 'Times a task had to wait for a slot', labelNames: ['scope'], registers: r }),
    openWaits: new Counter({ name: 'mjg_open_circuit_waits_total', help: 'Times a task waited because every eligible provider was open', registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
