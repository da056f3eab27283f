/**
 * The document's schemas say what the server enforces: a body the document accepts is a body the server accepts (and
 * the reverse), checked with Ajv on the document against the zod schemas the server validates with.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CLASSES } from '../providers/types.js';
import { METADATA_MAX_BYTES, submitBodySchema, TASK_STATUSES } from '../src/schemas/task.js';
import { openapiDoc as doc, schemaAt } from './helpers/openapi-validator.js';

const schemas = doc.components.schemas;
const docAccepts = schemaAt('components', 'schemas', 'SubmitTask');
const serverAccepts = (body: unknown) => submitBodySchema.safeParse(body).success;
const TASK = 'tsk_01M7ZPSYV80000S0BAVRHD7GZABMHQ3EW6';
const IMG = 'https://example.com/a.png';

/** Every subschema of `v`, with the property name it sits under. */
function* walk(v: unknown, name = ''): Generator<{ name: string; s: any }> {
  if (Array.isArray(v)) for (const x of v) yield* walk(x, name);
  else if (v && typeof v === 'object') {
    yield { name, s: v };
    // Under `properties` a key is a field's name; under `items`, `anyOf` and `oneOf` the field is the same one.
    for (const [k, x] of Object.entries(v)) yield* walk(x, k === 'items' || k === 'anyOf' || k === 'oneOf' ? name : k);
  }
}

const BODIES: Array<[string, unknown]> = [
  ['an imagine', { action: 'imagine', prompt: 'a fox', callbackUrl: 'HTTPS://hooks.example.com/x', metadata: { order: 1 } }],
  ['a prompt of spaces', { action: 'imagine', prompt: '  \t ' }],
  ['an empty prompt', { action: 'shorten', prompt: '' }],
  ['an ftp callback', { action: 'imagine', prompt: 'a fox', callbackUrl: 'ftp://example.com/x' }],
  ['a javascript: image', { action: 'imagine', prompt: 'a fox', imageUrls: ['javascript:alert(1)'] }],
  ['a data URL image', { action: 'describe', imageUrl: 'data:image/png;base64,iVBORw0KGgo=' }],
  ['a video of a grid image', { action: 'video', taskId: TASK, index: 2 }],
  ['a video of an image', { action: 'video', imageUrl: IMG, motion: 'high' }],
  ['a video of nothing', { action: 'video', prompt: 'moving' }],
  ['a video of a task without index', { action: 'video', taskId: TASK }],
  ['a video of both', { action: 'video', taskId: TASK, index: 1, imageUrl: IMG }],
  ['an edit of an image with a mask', { action: 'edit', imageUrl: IMG, prompt: 'p', canvas: { width: 1024, height: 1024 }, imagePosition: { width: 512, height: 512, x: 0, y: 0 }, mask: { url: IMG } }],
  ['an edit of an image without a mask', { action: 'edit', imageUrl: IMG, prompt: 'p', canvas: { width: 1024, height: 1024 }, imagePosition: { width: 512, height: 512, x: 0, y: 0 } }],
  ['an HD upscale of both', { action: 'upscale_hd', taskId: TASK, index: 1, imageUrl: IMG, resolution: '4K' }],
  ['an HD upscale of an image', { action: 'upscale_hd', imageUrl: IMG, resolution: '4K' }],
  ['an inpaint with three points', { action: 'inpaint', taskId: TASK, index: 1, mask: { areas: [{ width: 1024, height: 1024, points: [0, 0, 10, 0, 10, 10] }] } }],
  ['an inpaint with two points', { action: 'inpaint', taskId: TASK, index: 1, mask: { areas: [{ width: 1024, height: 1024, points: [0, 0, 10, 0] }] } }],
  ['an index of 5', { action: 'upscale', taskId: TASK, index: 5 }],
  ['an unknown field', { action: 'imagine', prompt: 'a fox', seed: 3 }],
  ['an unknown action', { action: 'paint', prompt: 'a fox' }],
];

describe('the submit schema in the document', () => {
  it.each(BODIES)('judges %s as the server does', (_what, body) => {
    expect(docAccepts(body)).toBe(serverAccepts(body));
  });

  it('gives every URL field the http(s) pattern', () => {
    const uris = [...walk(schemas.SubmitTask)].filter(({ s }) => s.format === 'uri');
    expect(uris.length).toBeGreaterThan(10);
    for (const { s } of uris) expect(s.pattern).toBe('^[Hh][Tt][Tt][Pp][Ss]?://');
  });

  it('states the limits JSON Schema cannot check: metadata size and point pairs', () => {
    const meta = [...walk(schemas.SubmitTask)].filter(({ name }) => name === 'metadata').map(({ s }) => s);
    expect(meta.length).toBe(Object.keys(schemas.SubmitTask.oneOf).length);
    for (const m of meta) expect(m['x-max-json-bytes'] ?? m.anyOf?.[0]?.['x-max-json-bytes']).toBe(METADATA_MAX_BYTES);
    const big = { action: 'imagine', prompt: 'a fox', metadata: { text: 'x'.repeat(METADATA_MAX_BYTES) } };
    expect(serverAccepts(big)).toBe(false);
    const points = [...walk(schemas.SubmitTask)].filter(({ name, s }) => name === 'points' && s.type === 'array');
    expect(points.length).toBeGreaterThan(0);
    for (const { s } of points) expect(s.description).toMatch(/pairs.*even count/);
    expect(serverAccepts({ action: 'inpaint', taskId: TASK, index: 1, mask: { areas: [{ width: 1024, height: 1024, points: [0, 0, 10, 0, 10, 10, 5] }] } })).toBe(false);
  });

  it('shows Swagger UI a valid imagine as the submit example', () => {
    const example = doc.paths['/v1/tasks'].post.requestBody.content['application/json'].example;
    expect(example.action).toBe('imagine');
    expect(docAccepts(example)).toBe(true);
    expect(serverAccepts(example)).toBe(true);
  });
});

describe('the Task schema in the document', () => {
  const variants = (schemas.Task.oneOf as Array<{ $ref: string }>).map((r) => schemas[r.$ref.split('/').pop()!]);

  it('is a union by status whose shapes cover every status once', () => {
    const statuses = variants.flatMap((v) => v.properties.status.enum ?? [v.properties.status.const]);
    expect([...statuses].sort()).toEqual([...TASK_STATUSES].sort());
  });

  it('promises output when succeeded, an error when failed or canceled, and an end time when final', () => {
    const by = (status: string) => variants.find((v) => v.properties.status.const === status);
    expect(by('succeeded').properties.output).toEqual({ $ref: '#/components/schemas/TaskOutput' });
    for (const s of ['failed', 'canceled']) expect(by(s).properties.error).toEqual({ $ref: '#/components/schemas/TaskError' });
    for (const s of ['succeeded', 'failed', 'canceled']) expect(by(s).properties.finishedAt).toEqual({ type: 'string', format: 'date-time' });
    for (const v of variants) expect(v.required).toEqual(expect.arrayContaining(['output', 'error', 'finishedAt', 'input']));
  });

  it('types input as the submit union and attempt error classes from the one list', () => {
    for (const v of variants) expect(v.properties.input.$ref).toBe('#/components/schemas/SubmitTask');
    const klass = schemas.TaskAttempt.properties.error.anyOf[0].properties.class;
    expect(klass.enum).toEqual([...ERROR_CLASSES, 'job_failed']);
  });

  it('marks every time as a date-time', () => {
    const times = Object.values(schemas).flatMap((s) => [...walk(s)]).filter(({ name, s }) => /^(at|\w+At)$/.test(name) && s.type === 'string');
    expect(times.length).toBeGreaterThan(15);
    for (const { name, s } of times) expect(s.format, name).toBe('date-time');
  });
});
