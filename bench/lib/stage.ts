/**
 * What scenarios share: the run context (Redis connection, simulator, floor, flags) and a "stage" — one gateway
 * deployment (config + key prefix + its processes), with the checks every scenario ends with.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config.js';
import { Client, startGateway, TENANT, writeConfig, type GatewayProc, type StageConfig } from './gateway.js';
import { sleep } from './proc.js';
import { activeCount, dropPrefix, readTasks, statusCounts, taskIds, type TaskRow } from './redis.js';
import type { Floor, Sim } from './upstream.js';

export interface Ctx {
  quick: boolean;
  cpuProf: boolean;
  redis: Redis;
  sim: Sim;
  floor: Floor;
  /** The Redis server's pid, for its CPU use. */
  redisPid: number;
  /** Root of every key prefix of this run (`mjgbench-<hex>`). */
  runId: string;
  log(msg: string): void;
}

export interface Stage {
  name: string;
  prefix: string;
  configPath: string;
  config: Record<string, unknown>;
  /** The config as the gateway reads it, defaults included. */
  effective: Config;
  procs: GatewayProc[];
  clients: Client[];
  /** Task ids already checked by an earlier scenario on this stage. */
  seen: Set<string>;
  /** Code versions (commit[+changes]) of every gateway process started on this stage. */
  codes: Set<string>;
}

/** Every code version a gateway process was started from during this run (the report's header lists them). */
export const codesStarted = new Set<string>();

export function createStage(ctx: Ctx, c: Omit<StageConfig, 'keyPrefix' | 'simUrl'>): Stage {
  const prefix = `${ctx.runId}-${c.name}`;
  const { path, config, effective } = writeConfig({ ...c, keyPrefix: prefix, simUrl: ctx.sim.url });
  return { name: c.name, prefix, configPath: path, config, effective, procs: [], clients: [], seen: new Set(), codes: new Set() };
}

/** Starts a gateway process on the stage (`configPath`: a variant of the stage's config); an API-serving one also gets a client. */
export async function addProcess(ctx: Ctx, stage: Stage, label: string, role: GatewayProc['role'], opts: { port?: number; workersBefore?: number; configPath?: string } = {}): Promise<{ gw: GatewayProc; client?: Client }> {
  const gw = await startGateway(label, role, opts.configPath ?? stage.configPath, stage.prefix, { ...opts, cpuProf: ctx.cpuProf });
  stage.procs.push(gw);
  stage.codes.add(gw.code);
  codesStarted.add(gw.code);
  if (!gw.url) return { gw };
  const client = new Client(gw.url);
  stage.clients.push(client);
  return { gw, client };
}

export async function stopProcess(stage: Stage, gw: GatewayProc): Promise<void> {
  const i = stage.procs.indexOf(gw);
  if (i >= 0) stage.procs.splice(i, 1);
  const client = stage.clients.find((c) => c.url === gw.url);
  if (client) {
    stage.clients.splice(stage.clients.indexOf(client), 1);
    await client.close();
  }
  await gw.proc.stop();
}

export async function stopStage(ctx: Ctx, stage: Stage): Promise<void> {
  await Promise.allSettled(stage.clients.map((c) => c.close()));
  await Promise.allSettled(stage.procs.map((p) => p.proc.stop()));
  stage.procs.length = 0;
  stage.clients.length = 0;
  await dropPrefix(ctx.redis, `${stage.prefix}:`);
}

/**
 * Waits until no task of the stage is non-final (ZCARD of the `active` set, every `everyMs`), or the time is up, or
 * no task has ended for `stallMs` (then the scenario reports what is left instead of waiting out its timeout).
 * Returns whether all ended and how many ZCARDs the check itself sent (to subtract from command counts).
 */
export async function waitAllFinal(ctx: Ctx, stage: Stage, timeoutMs: number, everyMs = 50, stallMs = 30_000): Promise<{ ok: boolean; checks: number; at: number; left: number }> {
  const end = Date.now() + timeoutMs;
  let checks = 0;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    checks++;
    const left = await activeCount(ctx.redis, stage.prefix);
    if (left === 0) return { ok: true, checks, at: Date.now(), left };
    if (left !== last) [last, lastChange] = [left, Date.now()];
    const stalled = Date.now() - lastChange > stallMs;
    if (Date.now() > end || stalled) {
      ctx.log(`  ${left} tasks still not final ${stalled ? `and none ended in the last ${stallMs / 1000} s` : `after ${timeoutMs / 1000} s`}: giving up on them`);
      return { ok: false, checks, at: Date.now(), left };
    }
    await sleep(everyMs);
  }
}

/** The tasks created on the stage since the last check, read from Redis: statuses, and whether all are final. */
export async function newTasks(ctx: Ctx, stage: Stage): Promise<{ rows: TaskRow[]; created: number; statuses: Record<string, number>; allFinal: boolean }> {
  const ids = (await taskIds(ctx.redis, stage.prefix, TENANT)).filter((id) => !stage.seen.has(id));
  for (const id of ids) stage.seen.add(id);
  const rows = await readTasks(ctx.redis, stage.prefix, ids);
  const statuses = statusCounts(rows);
  const finals = (statuses.succeeded ?? 0) + (statuses.failed ?? 0) + (statuses.canceled ?? 0);
  return { rows, created: ids.length, statuses, allFinal: finals === ids.length && rows.length === ids.length };
}
