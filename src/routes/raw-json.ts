/** Sends a string that is already the JSON of the documented schema, skipping a parse and a re-serialise. */
import type { FastifyReply } from 'fastify';

export function sendJsonText(reply: unknown, json: string): FastifyReply {
  const r = reply as FastifyReply;
  return r.type('application/json; charset=utf-8').serializer((s: unknown) => s as string).send(json);
}
