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
    /** Ids of new tasks whose submission job is still to be added (a list: the API pushes, the workers' intake pops). */
    intake: `${prefix}:intake`,
    /** A tenant's usage counters of one UTC day (`YYYY-MM-DD`), and its month's running totals (`YYYY-MM`). */
    usageDay: (tenantId: string, day: string) => `${prefix}:usage:${tenantId}:${day}`,
    usageMonth: (tenantId: string, month: string) => `${prefix}:usage:${tenantId}:m:${month}`,
    /** Open budget reservations, scored by when their task must have ended (the reconciler's worklist). */
    reservations: `${prefix}:resv-open`,
    /** A reservation as written before it moved into the members of `reservations` (read only: reservations made by older versions). */
    legacyReservation: (taskId: string) => `${prefix}:resv:${taskId}`,
    idempotency: (tenantId: string, keyHash: string) => `${prefix}:idem:${tenantId}:${keyHash}`,
    /** Upstream job id → task id, one hash per provider and UTC day of the submit (support lookups). */
    upstreamDay: (providerId: string, day: string) => `${prefix}:upd:${providerId}:${day}`,
    /** The same map as one key per job, as earlier versions wrote it (still read). */
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
    queuePrefix: `${prefix}:bull`,
  };
}
export type Keys = ReturnType<typeof createKeys>;
