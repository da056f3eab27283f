/** Every Redis key the gateway writes, under one prefix. */
export function createKeys(prefix: string) {
  return {
    prefix,
    task: (id: string) => `${prefix}:task:${id}`,
    tenantIndex: (tenantId: string) => `${prefix}:tidx:${tenantId}`,
    /** Non-final tasks, scored by deadline (the sweeper's worklist). */
    active: `${prefix}:active`,
    /** Tasks written but maybe not enqueued yet (a crash between the two), scored by time. */
    unqueued: `${prefix}:unqueued`,
    idempotency: (tenantId: string, keyHash: string) => `${prefix}:idem:${tenantId}:${keyHash}`,
    upstream: (providerId: string, upstreamId: string) => `${prefix}:up:${providerId}:${upstreamId}`,
    callback: (token: string) => `${prefix}:cb:${token}`,
    wake: (taskId: string) => `${prefix}:wake:${taskId}`,
    tenant: (id: string) => `${prefix}:tenant:${id}`,
    tenants: `${prefix}:tenants`,
    apiKey: (hash: string) => `${prefix}:key:${hash}`,
    tenantKeys: (tenantId: string) => `${prefix}:tkeys:${tenantId}`,
    circuit: (providerId: string) => `${prefix}:circuit:${providerId}`,
    circuitProbe: (providerId: string) => `${prefix}:circuit:${providerId}:probe`,
    circuitWindow: (providerId: string) => `${prefix}:circuit:${providerId}:all`,
    circuitFailures: (providerId: string) => `${prefix}:circuit:${providerId}:fail`,
    /** Semaphores: holders scored by lease end; waiters scored by arrival, with a heartbeat set beside. */
    slots: (scope: string) => `${prefix}:slots:${scope}`,
    slotWaiters: (scope: string) => `${prefix}:slots:${scope}:wait`,
    slotHeartbeats: (scope: string) => `${prefix}:slots:${scope}:hb`,
    pollBudget: (providerId: string) => `${prefix}:pollbudget:${providerId}`,
    queuePrefix: `${prefix}:bull`,
  };
}
export type Keys = ReturnType<typeof createKeys>;
