/** Sends a string (or its bytes) that is already the JSON of the documented schema, skipping a parse and a re-serialise. */
import type { FastifyReply } from 'fastify';

const asIs = (s: unknown) => s as string;

export function sendJsonText(reply: unknown, json: string | Buffer): FastifyReply {
  const r = reply as FastifyReply;
  return r.type('application/json; charset=utf-8').serializer(asIs).send(json);
}
