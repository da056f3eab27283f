/**
 * The Lua scripts as files (src/store/lua): each has its header, its includes resolve, and its typed builder gives
 * exactly the number of keys its file name says. No Redis needed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createKeys } from '../../src/store/keys.js';
import { loadLua, scriptNames } from '../../src/store/lua.js';
import * as scripts from '../../src/store/scripts.js';

const dir = new URL('../../src/store/lua/', import.meta.url);
const keys = createKeys('unit');

/** One sample input per script, enough to build its call. */
const SAMPLES: Record<string, unknown> = {
  'create-task': { taskId: 'tsk_1', tenantId: 't', record: 'r', deadlineAt: 1, now: 1, recordTtlSec: 1 },
  'update-task': { taskId: 'tsk_1', expectedVersion: 1, status: 'queued', body: 'b', final: false, retentionSec: 1, trackFinal: true },
  settle: { taskId: 'tsk_1', day: '2026-01-01', tenantId: 't', action: 'imagine', chargedMicros: 0, costField: 'usd|imagine|p' },
  'poll-claim': { providerId: 'p', max: 1, grants: 1, bucketMs: 50, leaseMs: 1000, bucketsCounted: 24 },
  'poll-finish': { providerId: 'p', taskId: 'tsk_1', member: 'tsk_1:1', leaseEnd: 1, nextAt: null },
  'poll-schedule': { providerId: 'p', taskId: 'tsk_1', member: 'tsk_1:1', at: 1 },
  'webhook-append': { taskId: 'tsk_1', event: '{}', body: '{}', ttlSec: 1, final: false },
  'webhook-advance': { taskId: 'tsk_1', chain: 1 },
  'circuit-pass': { providerId: 'p', now: 1, probeTimeoutMs: 1, token: 'x' },
  'circuit-record': { providerId: 'p', now: 1, healthy: true, kind: 'ok', windowMs: 1, minRequests: 1, failureRatio: 0.5, openMs: 1, longOpenMs: 1, retryAfterMs: 0 },
  'room-admit': { taskId: 'tsk_1', tenantId: 't', cap: null, leaseUntil: 2, jobId: 'tsk_1-s1', order: 1, candidates: [{ id: 'a', max: 1 }], wait: true, take: true, now: 1 },
  'room-release': { taskId: 'tsk_1', tenantId: 't', providers: [{ id: 'a', max: 1 }], handOff: true, now: 1 },
  'room-dispatch': { providers: [{ id: 'a', max: 1 }], now: 1 },
  'room-reclaim': { providers: [{ id: 'a', max: 1 }], tenantIds: ['t'], now: 1 },
  'room-position': { taskId: 'tsk_1' },
  'rate-window': { tenantId: 't', limit: 1, windowSec: 60, want: 1 },
  'media-commit': { id: 'med_1.png', tenantId: 't', contentType: 'image/png', bytes: 1, expiresAt: 1, at: 'now' },
  'media-forget': { id: 'med_1.png' },
  'rate-return': { tenantId: 't', second: 1, count: 1 },
  'orphan-record': { member: 'p|j1', record: '{}', now: 1, oldestKept: 0, maxEntries: 10, usage: { tenantId: 't', day: '2026-01-01', countField: 'orphan|imagine|p', costField: 'orphanusd|imagine|p', micros: 1, ttlSec: 1 } },
  'mj-read': { ids: ['tsk_1', 'tsk_2'], tenantId: 't', known: ['3', ''] },
};

describe('the Lua scripts', () => {
  const defined = scripts.ALL_SCRIPTS;

  it('are each defined once with a builder, and every file is used', () => {
    expect(defined.map((s) => s.name).sort()).toEqual(scriptNames());
    expect(Object.keys(SAMPLES).sort()).toEqual(scriptNames());
  });

  it.each(scriptNames())('%s opens with a header naming its input and its reply', (name) => {
    const file = readdirSync(dir).find((f) => f.startsWith(`${name}`) && f.endsWith('.lua'))!;
    const head = readFileSync(new URL(file, dir), 'utf8').split('\n]]')[0]!;
    expect(head.startsWith('--[[')).toBe(true);
    expect(head).toMatch(/Input/);
    expect(head).toMatch(/KEYS|keys are built from the roots/);
    expect(head).toMatch(/Output/);
  });

  it.each(scriptNames())('%s: its builder gives the keys its file name counts (or the key roots), all under the prefix, and string arguments', (name) => {
    const script = defined.find((s) => s.name === name)!;
    const { keys: k, argv } = script.build(keys, SAMPLES[name] as never);
    const expected = script.source.numberOfKeys;
    if (expected !== null) expect(k).toHaveLength(expected);
    // The room scripts build their keys from roots (lua/includes/room.lua): those roots come from the key builder.
    else if (name.startsWith('room-')) expect(argv.slice(0, 3)).toEqual([keys.slotsRoot, keys.roomRoot, keys.circuitRoot]);
    // mj-read takes two keys per id it reads.
    else expect(k).toHaveLength(2 * (SAMPLES[name] as { ids: string[] }).ids.length);
    for (const key of k) expect(key.startsWith('unit:')).toBe(true);
    for (const a of argv) expect(typeof a).toBe('string');
  });

  it('inlines an included fragment once and leaves no include line behind', () => {
    const update = loadLua('update-task');
    expect(update.lua).toContain('local function recordHeader');
    expect(update.lua).not.toMatch(/@include/);
    expect(update.lua.split('local function recordHeader').length).toBe(2);
  });

  it('keeps every Redis command in the Lua files: no TypeScript source calls Redis from Lua text', () => {
    const offenders: string[] = [];
    const walk = (d: URL) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(new URL(`${e.name}/`, d));
        else if (e.name.endsWith('.ts') && /redis\.p?call\(/.test(readFileSync(new URL(e.name, d), 'utf8'))) offenders.push(e.name);
      }
    };
    for (const dir of ['src', 'providers', 'test', 'bench', 'scripts']) walk(new URL(`../../${dir}/`, import.meta.url));
    expect(offenders).toEqual([]);
  });
});
