/**
 * The stored task record (src/store/task-store.ts, src/domain/task.ts): the private part leaves out what it can
 * rebuild exactly (defaults, the tenant, a request derived from the input), and reads back equal.
 */
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../providers/types.js';
import { toCanonical } from '../../src/domain/canonical.js';
import { compactPrivate, expandPrivate, type TaskPrivate, type TaskRecord } from '../../src/domain/task.js';
import { submitBodySchema, type Task } from '../../src/schemas/task.js';
import { decodeRecord, documentFor, encodeRecord, splitRecord } from '../../src/store/task-record.js';

const PARENT = 'tsk_01M7ZPSYV80000S0BAVRHD7GZABMHQ3EW6';
const IMG = 'https://example.com/a.png';

/** Sample bodies of every action, with the envelope fields and speed flags that toCanonical rewrites. */
const SAMPLES: Array<Record<string, unknown>> = [
  { action: 'imagine', prompt: 'a red fox in snow --ar 3:2' },
  { action: 'imagine', prompt: '  a red fox --fast  in snow ', metadata: { order: 7 }, callbackUrl: 'https://example.com/cb', provider: 'legnext-main' },
  { action: 'imagine', prompt: 'x --turbo', speed: 'turbo', imageUrls: [IMG] },
  { action: 'imagine', prompt: 'lighthouse', speed: 'relax' },
  { action: 'variation', taskId: PARENT, index: 2, strength: 'strong' },
  { action: 'variation', taskId: PARENT, index: 1, prompt: 'remixed --relax' },
  { action: 'upscale', taskId: PARENT, index: 1, mode: 'creative', speed: 'fast' },
  { action: 'reroll', taskId: PARENT },
  { action: 'remix', taskId: PARENT, index: 3, prompt: 'the same fox at night', strength: 'subtle' },
  { action: 'pan', taskId: PARENT, index: 1, direction: 'left', scale: 1.5 },
  { action: 'pan', taskId: PARENT, index: 4, direction: 'up', prompt: 'sky --fast' },
  { action: 'zoom', taskId: PARENT, index: 4, scale: 2 },
  { action: 'zoom', taskId: PARENT, index: 2, prompt: 'wider' },
  { action: 'inpaint', taskId: PARENT, index: 2, mask: { url: 'https://example.com/mask.png' }, prompt: 'a scarf' },
  { action: 'inpaint', taskId: PARENT, index: 1, mask: { areas: [{ width: 1024, height: 1024, points: [0, 0, 500, 0, 500, 500] }] } },
  { action: 'blend', imageUrls: [IMG, 'https://example.com/b.png'], aspectRatio: '1:1' },
  { action: 'describe', imageUrl: IMG, metadata: { a: [1, 2] } },
  { action: 'shorten', prompt: 'a very long prompt with many redundant words --turbo' },
  { action: 'video', taskId: PARENT, index: 1, prompt: 'slow push in', resolution: '720p' },
  { action: 'video', imageUrl: IMG, prompt: '--fast' },
  { action: 'video', imageUrl: IMG },
  { action: 'video', imageUrl: IMG, motion: 'high', loop: true, endImageUrl: 'https://example.com/end.png', batchSize: 2, raw: true },
  { action: 'edit', taskId: PARENT, index: 2, prompt: 'a hat', canvas: { width: 1024, height: 1024 }, imagePosition: { width: 512, height: 512, x: 0, y: 0 } },
  { action: 'retexture', imageUrl: IMG, prompt: 'marble --fast' },
  { action: 'remove_background', imageUrl: IMG },
  { action: 'enhance', taskId: PARENT, index: 3 },
  { action: 'upscale_hd', imageUrl: IMG, resolution: '4K', contentType: 'photo' },
  { action: 'video_extend', taskId: PARENT, index: 1, prompt: 'on and on' },
  { action: 'video_upscale', taskId: PARENT, index: 4 },
];

function recordOf(body: Record<string, unknown>, priv: Partial<TaskPrivate> = {}): TaskRecord {
  const parsed = submitBodySchema.parse(body);
  const { metadata, ...input } = parsed;
  const at = new Date().toISOString();
  const task: Task = {
    id: 'tsk_01M7ZZB9CC000YPR9VFY8NK05B6ES8VV8N', action: parsed.action, status: 'queued', progress: 0, provider: null, upstreamId: null, parentId: null,
    input, output: null, error: null, cost: null, attempts: [], metadata: metadata ?? {}, createdAt: at, updatedAt: at, submittedAt: null, finishedAt: null,
  };
  return {
    task, version: 1,
    priv: { tenantId: 'acme', request: toCanonical(parsed), deadlineAt: 1_795_296_551_212, upstreamState: {}, phase: 'waiting', excluded: [], sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1, ...priv },
  };
}

/** What survives a trip through Redis (JSON text): undefined fields are dropped, like the record always did. */
const asJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('the compact task record', () => {
  it('has samples of every action', () => {
    expect(new Set(SAMPLES.map((b) => b.action))).toEqual(new Set(ACTIONS));
  });

  it.each(SAMPLES.map((b) => [`${String(b.action)}: ${JSON.stringify(b)}`, b] as const))('derives the request exactly from the stored input (%s)', (_name, body) => {
    const rec = recordOf(body);
    // What is stored is the input as JSON; what is derived from it must be the request, as JSON, exactly.
    const stored = asJson(rec.task.input);
    expect(JSON.stringify(toCanonical(stored as never))).toBe(JSON.stringify(rec.priv.request));
    const compact = compactPrivate(rec.priv, rec.task);
    expect(compact).not.toHaveProperty('request');
    expect(compact).not.toHaveProperty('tenantId');
    const back = decodeRecord(encodeRecord(rec, { reservedMicros: 80_000 }));
    expect(back).toEqual({ ...asJson(rec), reservedMicros: 80_000 });
    expect(JSON.stringify(back.priv.request)).toBe(JSON.stringify(rec.priv.request));
  });

  it('keeps a request that does not follow from the input, and every field away from its default', () => {
    const rec = recordOf({ action: 'imagine', prompt: 'a fox' }, {
      request: { action: 'imagine', prompt: 'a different fox', speed: 'fast' },
      upstreamState: { jobType: 'x', n: 2 }, phase: 'polling', excluded: ['apimart'], sameProviderTries: 2, resubmitted: true, notFound: 3, generation: 2,
      pinnedProvider: 'legnext-main', requestedProvider: 'legnext-main', allowList: ['legnext-main'], callbackUrl: 'https://example.com/cb', tenantCap: 5,
      waitingFor: 'legnext-main', waitReason: 'slots',
    });
    const compact = compactPrivate(rec.priv, rec.task);
    expect(compact.request).toEqual(rec.priv.request);
    const back = decodeRecord(encodeRecord(rec));
    expect(back).toEqual(asJson(rec));
  });

  it('stores defaults as nothing and reads them back', () => {
    const rec = recordOf({ action: 'reroll', taskId: PARENT });
    expect(compactPrivate(rec.priv, rec.task)).toEqual({ deadlineAt: rec.priv.deadlineAt });
    expect(expandPrivate({ deadlineAt: 5 }, 't', rec.task)).toEqual({
      tenantId: 't', request: { action: 'reroll', taskId: PARENT }, deadlineAt: 5, upstreamState: {}, phase: 'waiting', excluded: [],
      sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1,
    });
  });

  it('lays a record out as header, private JSON, public JSON', () => {
    const rec = recordOf({ action: 'imagine', prompt: 'multi\nline --fast', metadata: { note: 'a\nb' } }, { phase: 'polling' });
    const value = encodeRecord({ ...rec, version: 7 }, { reservedMicros: 80_000 });
    const [header, pv, ...rest] = value.split('\n');
    expect(header).toBe('7|queued|acme|imagine|80000');
    expect(JSON.parse(pv!)).toEqual({ deadlineAt: rec.priv.deadlineAt, phase: 'polling' });
    // Newlines inside strings are escaped by JSON: the public document is everything after the second newline.
    expect(rest).toHaveLength(1);
    expect(splitRecord(value).doc).toBe(JSON.stringify(rec.task));
    expect(encodeRecord(rec).split('\n')[0]).toBe('1|queued|acme|imagine|');
  });

  it("gives a record's document to its tenant only, a tenant whose id begins like it included", () => {
    const value = encodeRecord(recordOf({ action: 'imagine', prompt: 'x' }), { reservedMicros: 80_000 });
    expect(documentFor(value, 'acme')).toBe(splitRecord(value).doc);
    for (const other of ['acm', 'acme2', 'ACME', 'imagine', 'queued']) expect(documentFor(value, other)).toBeNull();
    expect(documentFor('no header here', 'acme')).toBeNull();
    expect(() => documentFor('1|queued|acme|imagine|\n{}', 'acme')).toThrow(/malformed/);
  });
});

describe('a record waiting in line', () => {
  it('is told apart by its header status and its wait reason, without parsing it', async () => {
    const { waitsInLine } = await import('../../src/store/task-record.js');
    const value = (status: string, priv: string, doc = '{"status":"queued","metadata":{"waitReason":1}}') => `1|${status}|t|imagine|80000\n${priv}\n${doc}`;
    expect(waitsInLine(value('queued', '{"deadlineAt":1,"waitReason":"p has all 6 slots in use"}'))).toBe(true);
    expect(waitsInLine(value('queued', '{"deadlineAt":1}'))).toBe(false); // a wait reason in the public part does not count
    expect(waitsInLine(value('running', '{"deadlineAt":1,"waitReason":"x"}'))).toBe(false);
  });
});
