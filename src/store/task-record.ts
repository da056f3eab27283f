/**
 * The task record's one codec: every writer and reader of a task goes through here (the Lua side reads the header
 * through lua/includes/record.lua).
 *
 * A record is one Redis string: `<version>|<status>|<tenant>|<action>|<reserved micros>`, a newline, the private JSON,
 * a newline, the public JSON. The header is what the scripts and the list filters read; the public JSON is the
 * document `GET /v1/tasks/{id}` sends as it is; the private JSON is compacted (`compactPrivate` in domain/task.ts);
 * the reserved amount (empty: none) is what settling the task's budget reservation reads. One string rather than a
 * hash: Redis keeps a hash with a value over 64 bytes as a hashtable, whose every field costs ~50 bytes more.
 * JSON text never holds a raw newline; ids, tenants and actions never hold `|`.
 */
import { compactPrivate, expandPrivate, type TaskRecord } from '../domain/task.js';
import type { Task } from '../schemas/task.js';

export interface RecordParts { version: number; status: string; tenantId: string; action: string; reservedMicros?: number; privateJson: string; doc: string }

/** The record split into its header fields and its two JSON texts. */
export function splitRecord(value: string): RecordParts {
  const a = value.indexOf('\n');
  const b = value.indexOf('\n', a + 1);
  if (a < 0 || b < 0) throw new Error('malformed task record');
  const [v = '', status = '', tenantId = '', action = '', micros = ''] = value.slice(0, a).split('|');
  return { version: Number(v), status, tenantId, action, reservedMicros: micros === '' ? undefined : Number(micros), privateJson: value.slice(a + 1, b), doc: value.slice(b + 1) };
}

/** What follows the header: the compact private JSON and the public JSON (`doc`, when the caller has it already). */
export const encodeBody = (rec: TaskRecord, doc = JSON.stringify(rec.task)) => `${JSON.stringify(compactPrivate(rec.priv, rec.task))}\n${doc}`;

/** A whole record. `doc` is the public JSON when already serialised; `reservedMicros` is written with a new task. */
export function encodeRecord(rec: TaskRecord, opts: { doc?: string; reservedMicros?: number } = {}): string {
  return `${rec.version}|${rec.task.status}|${rec.priv.tenantId}|${rec.task.action}|${opts.reservedMicros ?? rec.reservedMicros ?? ''}\n${encodeBody(rec, opts.doc)}`;
}

export function decodeRecord(value: string): TaskRecord {
  const p = splitRecord(value);
  const task = JSON.parse(p.doc) as Task;
  const rec: TaskRecord = { task, priv: expandPrivate(JSON.parse(p.privateJson) as Record<string, unknown>, p.tenantId, task), version: p.version };
  if (p.reservedMicros !== undefined) rec.reservedMicros = p.reservedMicros;
  return rec;
}

const PIPE = 124; // '|'

/**
 * True when a stored record is `queued` and its private part says why it waits (`waitReason`, written when the task
 * joins a line for a slot, cleared when it leaves): the one case where a read looks up its place in line.
 */
export function waitsInLine(value: string): boolean {
  if (!value.startsWith('queued|', value.indexOf('|') + 1)) return false;
  const a = value.indexOf('\n');
  const b = value.indexOf('\n', a + 1);
  return value.lastIndexOf('"waitReason":', b) > a;
}

/** Whether a stored record is `tenantId`'s: the header's third field, read in place. */
function ownedBy(value: string, tenantId: string): boolean {
  const tenantAt = value.indexOf('|', value.indexOf('|') + 1) + 1;
  return tenantAt !== 0 && value.startsWith(tenantId, tenantAt) && value.charCodeAt(tenantAt + tenantId.length) === PIPE;
}

/** The version of a stored record if the record is `tenantId`'s, else null; nothing is split or copied. */
export const versionFor = (value: string, tenantId: string): number | null => (ownedBy(value, tenantId) ? Number(value.slice(0, value.indexOf('|'))) : null);

/**
 * The public JSON of a stored record if the record is `tenantId`'s, else null: what a read answers, found by position
 * (the tenant is the header's third field) without splitting the record.
 */
export function documentFor(value: string, tenantId: string): string | null {
  if (!ownedBy(value, tenantId)) return null;
  const b = value.indexOf('\n', value.indexOf('\n') + 1);
  if (b < 0) throw new Error('malformed task record');
  return value.slice(b + 1);
}
