/** Sends a string (or its bytes) that is already the JSON of the documented schema, skipping a parse and a re-serialise. */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

const asIs = (s: unknown) => s as string;

export function sendJsonText(reply: unknown, json: string | Buffer): FastifyReply {
  const r = reply as FastifyReply;
  return r.type('application/json; charset=utf-8').serializer(asIs).send(json);
}

/**
 * Sends JSON given in parts without joining them: a large answer made of cached pieces (mj-proxy lists, ~190 KB) is
 * not copied into one new buffer per request, whose churn of external memory forced a full GC every few hundred ms.
 */
export function sendJsonParts(reply: unknown, parts: readonly Buffer[]): FastifyReply {
  const r = reply as FastifyReply;
  const length = parts.reduce((n, p) => n + p.length, 0);
  return r.type('application/json; charset=utf-8').header('content-length', length).send(Readable.from(parts));
}
