/**
 * Every Redis key and channel the gateway uses, under one prefix: nothing else in the code builds a key.
 * Lua scripts receive their keys from here (src/store/scripts.ts).
 */
export function createKeys(prefix: string) {
  const p = prefix;
  // Roots of the key families the room scripts build in Lua (lua/includes/room.lua, same formats as below).
  const slotsRoot = `${p}:slots:`;
  const roomRoot = `${p}:room:`;
  const circuitRoot = `${p}:circuit:`;
  return {
    prefix,
    // Tasks (task-store.ts; the record format is in task-record.ts)
    task: (id: string) => `${p}:task:${id}`,
    /** What `task(id)` puts before the id (the slot reclaim builds task keys in Lua). */
    taskRoot: `${p}:task:`,
    tenantIndex: (tenantId: string) => `${p}:tidx:${tenantId}`,
    /** Non-final tasks, scored by deadline (the sweeper's worklist). */
    active: `${p}:active`,
    /** Final tasks whose follow-ups (webhook event, budget settle) have not all run yet, scored by when they ended. */
    finals: `${p}:finals`,
    /**
     * Canceled tasks whose upstream job still runs, scored by their deadline (ms): their provider slot stays held
     * until the job ends or the deadline passes (room scripts).
     */
    draining: `${p}:draining`,
    /** Tasks written whose submission job has not run yet (a crash between the two), scored by time. */
    unqueued: `${p}:unqueued`,
    /** Ids of new tasks whose submission job is still to be added (a list: the API pushes, the workers' intake pops). */
    intake: `${p}:intake`,
    idempotency: (tenantId: string, keyHash: string) => `${p}:idem:${tenantId}:${keyHash}`,
    /** Upstream job id → task id, one hash per provider and UTC day of the submit (support lookups). */
    upstreamDay: (providerId: string, day: string) => `${p}:upd:${providerId}:${day}`,
    /** A provider callback's token → `<providerId>|<taskId>`. */
    callback: (token: string) => `${p}:cb:${token}`,
    /** The upstream job id the latest callback on a token named (orphan checks, services/orphans.ts). */
    callbackJob: (token: string) => `${p}:cbj:${token}`,
    /** Pub/sub: every change of a task's public document (task-changes.ts). */
    taskChanges: `${p}:task-changes`,
    /** Run time of succeeded jobs per `<provider>|<action>`: `…|n` count, `…|ms` total (duration-store.ts). */
    durations: `${p}:durations`,
    /** Set by a provider callback: the task's next read is made at once. */
    wake: (taskId: string) => `${p}:wake:${taskId}`,
    // Usage and budgets (usage-store.ts)
    /** A tenant's usage counters of one UTC day (`YYYY-MM-DD`), and its month's running totals (`YYYY-MM`). */
    usageDay: (tenantId: string, day: string) => `${p}:usage:${tenantId}:${day}`,
    usageMonth: (tenantId: string, month: string) => `${p}:usage:${tenantId}:m:${month}`,
    /** Open budget reservations, scored by when their task must have ended (the reconciler's worklist). */
    reservations: `${p}:resv-open`,
    // Orphan upstream jobs (orphan-store.ts)
    /** `<provider>|<upstream id>` of every orphan job kept, scored by when it was seen. */
    orphans: `${p}:orphans`,
    /** The record of each of those, by the same member. */
    orphanRecords: `${p}:orphans:rec`,
    // Tenants and keys (tenant-store.ts)
    tenant: (id: string) => `${p}:tenant:${id}`,
    tenants: `${p}:tenants`,
    apiKey: (hash: string) => `${p}:key:${hash}`,
    tenantKeys: (tenantId: string) => `${p}:tkeys:${tenantId}`,
    /** Digests of revoked keys (a config upsert never revives them). */
    revokedKeys: `${p}:revoked-keys`,
    /** Ids of tenants deleted through the admin API (the config file does not re-create them). */
    deletedTenants: `${p}:deleted-tenants`,
    /** Pub/sub: `key:<hash>` / `tenant:<id>` changed, drop what you cached. */
    authChannel: `${p}:auth-changes`,
    /** A tenant's request-rate window (rate-window-store.ts). */
    rateWindow: (tenantId: string) => `${p}:rlw:${tenantId}`,
    // Provider circuits (circuit-store.ts)
    circuitRoot,
    circuit: (providerId: string) => `${circuitRoot}${providerId}`,
    circuitProbe: (providerId: string) => `${circuitRoot}${providerId}:probe`,
    circuitWindow: (providerId: string) => `${circuitRoot}${providerId}:all`,
    circuitFailures: (providerId: string) => `${circuitRoot}${providerId}:fail`,
    // Provider account balances (balance-store.ts)
    balance: (providerId: string) => `${p}:balance:${providerId}`,
    // Slots and the waiting room (room-store.ts)
    slotsRoot,
    /** Slot holders of a provider (`p:<id>`) or a tenant (`t:<id>`), scored by lease end. */
    providerSlots: (providerId: string) => `${slotsRoot}p:${providerId}`,
    tenantSlots: (tenantId: string) => `${slotsRoot}t:${tenantId}`,
    roomRoot,
    /** Tenants with tasks waiting for a provider, in round-robin order (a list). */
    roomTenants: (providerId: string) => `${roomRoot}p:${providerId}:rr`,
    /** One tenant's tasks waiting for a provider, scored by arrival. */
    roomQueue: (providerId: string, tenantId: string) => `${roomRoot}p:${providerId}:q:${tenantId}`,
    /** A waiting task: tenant, cap, lease, the providers it waits for, its job. */
    waiter: (taskId: string) => `${roomRoot}w:${taskId}`,
    /** The provider that handed a waiting task its slot, until the task's job reads it. */
    handoff: (taskId: string) => `${roomRoot}h:${taskId}`,
    /** Tasks handed a slot whose job has not run yet, scored by hand-off time (the sweep wakes them again). */
    handed: `${roomRoot}handed`,
    /** `<taskId>|<jobId>` per hand-off, popped by the workers, which promote the job. */
    wakes: `${roomRoot}wakes`,
    // The read schedule of in-flight upstream jobs (poll-schedule.ts)
    pollsDue: (providerId: string) => `${p}:polls:${providerId}:due`,
    pollsRunning: (providerId: string) => `${p}:polls:${providerId}:run`,
    pollBudget: (providerId: string) => `${p}:polls:${providerId}:budget`,
    /** Pub/sub: a provider callback brought a read of that provider forward. */
    pollWakeChannel: `${p}:polls:wake`,
    /** A task's webhook events (webhook-store.ts). */
    webhook: (taskId: string, part: 'seq' | 'q' | 'ev' | 'body' | 'own' | 'fin') => `${p}:wh:${taskId}:${part}`,
    /** A midjourney-proxy MODAL step waiting for `submit/modal` (mj-proxy-store.ts), expiring if never completed. */
    mjModal: (id: string) => `${p}:mjp:modal:${id}`,
    // Media (media-store.ts)
    /** A stored media object: tenant, type, bytes, expiry. */
    media: (id: string) => `${p}:media:${id}`,
    /** Media ids scored by expiry (ms): the sweeper's worklist. */
    mediaExpiry: `${p}:media-exp`,
    mediaUsageRoot: `${p}:media-usage:`,
    /** A tenant's stored media: `bytes`, `count`. */
    mediaUsage: (tenantId: string) => `${p}:media-usage:${tenantId}`,
    /** BullMQ's prefix: its queues' keys are built by BullMQ under it. */
    queuePrefix: `${p}:bull`,
  };
}
export type Keys = ReturnType<typeof createKeys>;
