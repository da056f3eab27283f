/**
 * Refusals as midjourney-proxy clients expect them: HTTP 200 with `{code, description}` on submit routes (3 not
 * found, 4 invalid or not supported, 9 failure). Authentication, rate limits and outages keep their HTTP status.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorAnswer } from '../../app.js';

/** HTTP statuses a submit route answers as a 200 with a code instead. */
const AS_CODE: Record<number, number> = { 400: 4, 403: 4, 404: 3, 409: 4, 413: 4, 422: 4, 402: 9 };

/** The error handler of the `/mj` routes; `answerCodes` routes say refusals in the body. */
export function mjErrorHandler(app: FastifyInstance) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const answer = errorAnswer(app, err, req);
    if (answer.headers) reply.headers(answer.headers);
    const code = (req.routeOptions.config as { answerCodes?: boolean }).answerCodes ? AS_CODE[answer.status] : undefined;
    if (code === undefined) return reply.code(answer.status).send(answer.body);
    const { message, details } = answer.body.error;
    return reply.code(200).send({ code, description: message, result: null, properties: details === undefined ? {} : { details } });
  };
}
