/**
 * Every Lua script the gateway runs (files in ./lua, loaded by ./lua.ts), each with the typed builder that turns a
 * named input into its KEYS and ARGV. Positions live here and in the script's header, nowhere else.
 */
import type { Keys } from './keys.js';
import { defineScript, optional } from './lua.js';

const s = String;

// --- tasks ----------------------------------------------------------------------------------------------------------

export interface CreateTaskInput {
  taskId: string;
  tenantId: string;
  /** The record as encoded by task-record.ts (version 1). */
  record: string;
  deadlineAt: number;
  now: number;
  recordTtlSec: number;
  /** The idempotency claim: the key's hash and the value it stores (`<taskId>|<bodyHash>`). */
  idempotency?: { keyHash: string; value: string; ttlSec: number };
  /** The budget reservation written with the task. */
  reservation?: { micros: number; limitMicros: number | null; dueAt: number; member: string; day: string; usageTtlSec: number; countField: string };
}

/** {0, ''} created; {1, stored idempotency value}; {2, month's spent + reserved micros}. */
export const createTask = defineScript<CreateTaskInput, [number, string | number]>('create-task', (k, i) => {
  const day = i.reservation?.day ?? '';
  return {
    keys: [
      k.task(i.taskId), k.tenantIndex(i.tenantId), k.active, k.unqueued, k.idempotency(i.tenantId, i.idempotency?.keyHash ?? '-') /* not touched without a claim */,
      k.reservations, k.usageDay(i.tenantId, day), k.usageMonth(i.tenantId, day.slice(0, 7)), k.intake,
    ],
    argv: [
      i.taskId, i.record, s(i.deadlineAt), i.idempotency?.value ?? '', s(i.idempotency?.ttlSec ?? 0), s(i.recordTtlSec), s(i.now),
      optional(i.reservation?.micros), optional(i.reservation?.limitMicros), i.reservation?.countField ?? '', s(i.reservation?.usageTtlSec ?? 0),
      s(i.reservation?.dueAt ?? 0), i.reservation?.member ?? '',
    ],
  };
});

export interface UpdateTaskInput {
  taskId: string;
  expectedVersion: number;
  status: string;
  body: string;
  final: boolean;
  retentionSec: number;
  /** Every configured provider: a status change off the upstream frees the task's slots in the same step. */
  release?: { providers: ProviderSlots[]; now: number };
  /** A final write puts the task on the follow-up worklist (`finals`) in the same step. */
  trackFinal?: boolean;
  /** A cancel while the upstream job runs: the provider slot stays held (draining) until the job ends or `until`. */
  drain?: { until: number };
  /** When (ms epoch) the public document changed: the write announces it on the change channel. Absent: no notice. */
  announceAt?: number;
}

/** The new version; -1 missing, -2 already final, -3 version conflict. */
export const updateTask = defineScript<UpdateTaskInput, number>('update-task', (k, i) => ({
  keys: [k.task(i.taskId), k.active],
  argv: [
    s(i.expectedVersion), i.status, i.body, i.final ? '1' : '0', s(i.retentionSec), i.taskId, i.trackFinal ? k.finals : '',
    i.announceAt === undefined ? '' : k.taskChanges, s(i.announceAt ?? 0),
    ...(i.release ? [...roomArgs(k, i.release.now), ...slotLists(i.release.providers)] : ['', '', '', '', '', '', '']),
    i.drain ? k.draining : '', s(i.drain?.until ?? 0),
  ],
}));

export interface SettleInput {
  taskId: string;
  day: string;
  tenantId: string;
  action: string;
  /** The reservation's member when known; else it is rebuilt from the task's record. */
  member?: string;
  chargedMicros: number;
  /** Usage field counting the outcome (`<outcome>|<action>|<provider>`), if counted. */
  outcomeField?: string;
  costField: string;
}

/** 1 settled now, 0 nothing left to settle. */
export const settle = defineScript<SettleInput, number>('settle', (k, i) => ({
  keys: [k.reservations, k.usageDay(i.tenantId, i.day), k.usageMonth(i.tenantId, i.day.slice(0, 7)), k.task(i.taskId)],
  argv: [i.member ?? '', i.taskId, i.day, i.tenantId, i.action, s(i.chargedMicros), i.outcomeField ?? '', i.costField],
}));

// --- the read schedule ----------------------------------------------------------------------------------------------

export interface PollClaimInput { providerId: string; max: number; grants: number; bucketMs: number; leaseMs: number; bucketsCounted: number }

export const pollClaim = defineScript<PollClaimInput, Array<number | string>>('poll-claim', (k, i) => ({
  keys: [k.pollsDue(i.providerId), k.pollsRunning(i.providerId), k.pollBudget(i.providerId)],
  argv: [s(i.max), s(i.grants), s(i.bucketMs), s(i.leaseMs), s(i.bucketsCounted)],
}));

export interface PollFinishInput { providerId: string; taskId: string; member: string; leaseEnd: number; nextAt: number | null }

export const pollFinish = defineScript<PollFinishInput, number>('poll-finish', (k, i) => ({
  keys: [k.pollsDue(i.providerId), k.pollsRunning(i.providerId), k.wake(i.taskId)],
  argv: [i.member, s(i.leaseEnd), i.nextAt === null ? '' : s(Math.round(i.nextAt))],
}));

export interface PollScheduleInput { providerId: string; taskId: string; member: string; at: number }

export const pollSchedule = defineScript<PollScheduleInput, number>('poll-schedule', (k, i) => ({
  keys: [k.pollsDue(i.providerId), k.pollsRunning(i.providerId), k.wake(i.taskId)],
  argv: [i.member, s(Math.round(i.at))],
}));

// --- webhooks -------------------------------------------------------------------------------------------------------

const webhookKeys = (k: Keys, taskId: string) => ({
  seq: k.webhook(taskId, 'seq'), queue: k.webhook(taskId, 'q'), events: k.webhook(taskId, 'ev'),
  bodies: k.webhook(taskId, 'body'), owner: k.webhook(taskId, 'own'), final: k.webhook(taskId, 'fin'),
});

export interface WebhookAppendInput { taskId: string; event: string; body: string; ttlSec: number; final: boolean }

export const webhookAppend = defineScript<WebhookAppendInput, [number, number]>('webhook-append', (k, i) => {
  const w = webhookKeys(k, i.taskId);
  return { keys: [w.seq, w.queue, w.events, w.bodies, w.owner, w.final], argv: [i.event, i.body, s(i.ttlSec), i.final ? '1' : '0'] };
});

export interface WebhookAdvanceInput { taskId: string; chain: number; done?: number }

export const webhookAdvance = defineScript<WebhookAdvanceInput, number>('webhook-advance', (k, i) => {
  const w = webhookKeys(k, i.taskId);
  return { keys: [w.queue, w.owner, w.bodies], argv: [s(i.chain), optional(i.done)] };
});

// --- circuits -------------------------------------------------------------------------------------------------------

export interface CircuitPassInput { providerId: string; now: number; probeTimeoutMs: number; token: string }

export const circuitPass = defineScript<CircuitPassInput, 'closed' | 'probe' | 'open'>('circuit-pass', (k, i) => ({
  keys: [k.circuit(i.providerId), k.circuitProbe(i.providerId)],
  argv: [s(i.now), s(i.probeTimeoutMs), i.token],
}));

export interface CircuitRecordInput {
  providerId: string;
  now: number;
  healthy: boolean;
  /** 'ok' or the error class. */
  kind: string;
  windowMs: number;
  minRequests: number;
  failureRatio: number;
  openMs: number;
  longOpenMs: number;
  retryAfterMs: number;
}

export const circuitRecord = defineScript<CircuitRecordInput, string>('circuit-record', (k, i) => ({
  keys: [k.circuit(i.providerId), k.circuitProbe(i.providerId), k.circuitWindow(i.providerId), k.circuitFailures(i.providerId)],
  argv: [s(i.now), i.healthy ? '1' : '0', i.kind, s(i.windowMs), s(i.minRequests), s(i.failureRatio), s(i.openMs), s(i.longOpenMs), s(i.retryAfterMs)],
}));

// --- slots and the waiting room --------------------------------------------------------------------------------------

/** How long the marker of a hand-off waits for the task's job to read it. */
const HANDOFF_TTL_SEC = 3600;
/** The roots the room scripts build their keys from, then the clock and the hand-off marker's lifetime. */
const roomArgs = (k: Keys, now: number) => [k.slotsRoot, k.roomRoot, k.circuitRoot, s(now), s(HANDOFF_TTL_SEC)];

export interface ProviderSlots { id: string; max: number }

/** Providers and their slot maxima as two comma-separated lists, in the same order. */
const slotLists = (providers: ProviderSlots[]) => [providers.map((c) => c.id).join(','), providers.map((c) => s(c.max)).join(',')];

export interface RoomAdmitInput {
  taskId: string;
  tenantId: string;
  cap: number | null;
  leaseUntil: number;
  jobId: string;
  order: number;
  /** In order of preference. */
  candidates: ProviderSlots[];
  /** Wait in line when no slot is free. */
  wait: boolean;
  /** Take a free slot (false: only wait in line; the candidates cannot take traffic now). */
  take: boolean;
  now: number;
}

/** {1, provider} a slot is held; {0, 'tenant' | 'provider'} none (in line when asked). */
export const roomAdmit = defineScript<RoomAdmitInput, [1, string] | [0, 'tenant' | 'provider']>('room-admit', (k, i) => ({
  keys: [],
  argv: [
    ...roomArgs(k, i.now), i.taskId, i.tenantId, optional(i.cap), s(i.leaseUntil), i.jobId, s(i.order),
    i.candidates.map((c) => c.id).join(','), i.candidates.map((c) => s(c.max)).join(','), i.wait ? '1' : '0', i.take ? '1' : '0',
  ],
}));

export interface RoomReleaseInput {
  taskId: string;
  tenantId: string;
  providers: ProviderSlots[];
  handOff: boolean;
  now: number;
  /** The release ends a canceled task's drain (its upstream job ended): it leaves the draining set too. */
  endsDrain?: boolean;
}

/** The number of waiters handed a slot. */
export const roomRelease = defineScript<RoomReleaseInput, number>('room-release', (k, i) => ({
  keys: [],
  argv: [...roomArgs(k, i.now), i.taskId, i.tenantId, ...slotLists(i.providers), i.handOff ? '1' : '0', i.endsDrain ? k.draining : ''],
}));

export interface RoomDispatchInput { providers: ProviderSlots[]; now: number }

export const roomDispatch = defineScript<RoomDispatchInput, number>('room-dispatch', (k, i) => ({
  keys: [],
  argv: [...roomArgs(k, i.now), ...slotLists(i.providers)],
}));

export interface RoomReclaimInput { providers: ProviderSlots[]; tenantIds: string[]; now: number }

/** The number of slots freed (held by tasks that are final or gone). */
export const roomReclaim = defineScript<RoomReclaimInput, number>('room-reclaim', (k, i) => ({
  keys: [],
  argv: [...roomArgs(k, i.now), k.taskRoot, ...slotLists(i.providers), i.tenantIds.join(','), k.draining],
}));

/** {position, ahead, provider, waiting since}, or null when the task is not in line. */
export const roomPosition = defineScript<{ taskId: string }, [number, number, string, string] | null>('room-position', (k, i) => ({
  keys: [],
  argv: [k.slotsRoot, k.roomRoot, k.circuitRoot, i.taskId],
}));

// --- rate limit -----------------------------------------------------------------------------------------------------

export interface RateWindowInput { tenantId: string; limit: number; windowSec: number; want: number }

/** {granted, remaining, ms, secondLeftMs, second} (see the script's header). */
export const rateWindow = defineScript<RateWindowInput, [number, number, number, number, number]>('rate-window', (k, i) => ({
  keys: [k.rateWindow(i.tenantId)],
  argv: [s(i.limit), s(i.windowSec), s(i.want)],
}));

// --- media ----------------------------------------------------------------------------------------------------------

export interface MediaCommitInput { id: string; tenantId: string; contentType: string; bytes: number; expiresAt: number; at: string }

/** 1 recorded now, 0 already recorded (only its expiry moved). */
export const mediaCommit = defineScript<MediaCommitInput, number>('media-commit', (k, i) => ({
  keys: [k.media(i.id), k.mediaExpiry, k.mediaUsage(i.tenantId)],
  argv: [i.id, i.tenantId, i.contentType, s(i.bytes), s(i.expiresAt), i.at],
}));

/** The bytes released. */
export const mediaForget = defineScript<{ id: string }, number>('media-forget', (k, i) => ({
  keys: [k.media(i.id), k.mediaExpiry],
  argv: [i.id, k.mediaUsageRoot],
}));

export interface RateReturnInput { tenantId: string; second: number; count: number }

/** The number of admissions given back. */
export const rateReturn = defineScript<RateReturnInput, number>('rate-return', (k, i) => ({
  keys: [k.rateWindow(i.tenantId)],
  argv: [s(i.second), s(i.count)],
}));

// --- orphan upstream jobs ------------------------------------------------------------------------------------------

export interface OrphanRecordInput {
  member: string;
  record: string;
  now: number;
  oldestKept: number;
  maxEntries: number;
  /** The tenant's usage day and fields, when the task (so the tenant) is known. */
  usage?: { tenantId: string; day: string; countField: string; costField: string; micros: number; ttlSec: number };
}

/** 1 recorded now, 0 already known. */
export const orphanRecord = defineScript<OrphanRecordInput, number>('orphan-record', (k, i) => ({
  keys: [k.orphans, k.orphanRecords, i.usage ? k.usageDay(i.usage.tenantId, i.usage.day) : k.orphans /* not touched without usage */],
  argv: [i.member, i.record, s(i.now), s(i.oldestKept), s(i.maxEntries), i.usage?.countField ?? '', i.usage?.costField ?? '', s(i.usage?.micros ?? 0), s(i.usage?.ttlSec ?? 0)],
}));

/** Every script, for the tests that check each builder against its file. */
// --- midjourney-proxy ----------------------------------------------------------------------------------------------

export interface MjReadInput { ids: readonly string[]; tenantId: string; /** The record version held per id ('' for none). */ known: readonly string[] }

/** Per id: null, '=' (unchanged), a record, or a MODAL step's JSON (see the script's header). */
export const mjRead = defineScript<MjReadInput, Array<string | null>>('mj-read', (k, i) => ({
  keys: [...i.ids.map((id) => k.task(id)), ...i.ids.map((id) => k.mjModal(id))],
  argv: [i.tenantId, ...i.known],
}));

export const ALL_SCRIPTS = [createTask, updateTask, settle, pollClaim, pollFinish, pollSchedule, webhookAppend, webhookAdvance, circuitPass, circuitRecord, roomAdmit, roomRelease, roomDispatch, roomReclaim, roomPosition, rateWindow, rateReturn, mediaCommit, mediaForget, orphanRecord, mjRead];
