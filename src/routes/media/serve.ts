/**
 * `GET /media/{id}?exp=&sig=`: the bytes of a stored image, for anyone holding a signed link (providers fetch them
 * without a tenant key). No Redis on this path: the link's signature proves it was issued, the store knows the size,
 * and the id's extension gives the type. A tampered or expired link is 403; an unknown or swept object 404.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseRange } from '../../domain/byte-range.js';
import { apiError, envelope } from '../../errors.js';
import { errorSchema } from '../../schemas/common.js';

/** A year: the most a cache is told to keep an object (it never changes under its id). */
const MAX_AGE_CAP = 365 * 86_400;

const serve: FastifyPluginAsyncZod = async (app) => {
  const { media } = app.rt;
  app.get('/media/:id', {
    schema: {
      tags: ['media'], summary: 'A stored image, by signed link (no key needed)',
      params: z.object({ id: z.string().min(1).max(100) }),
      querystring: z.object({ exp: z.string().max(16).optional(), sig: z.string().max(128).optional() }),
      headers: z.object({ range: z.string().optional(), 'if-none-match': z.string().optional() }),
      response: { 200: z.any().describe('the image bytes'), 206: z.any(), 304: z.any().describe('not modified'), 403: errorSchema, 404: errorSchema, 416: errorSchema },
    },
  }, async (req, reply) => {
    const { id } = req.params;
    if (!media.links || !media.blobs) throw apiError('not_found', `no media ${id}`);
    const check = media.links.check(id, req.query.exp, req.query.sig);
    if (check !== 'ok') throw apiError('forbidden', check === 'expired' ? 'this media link has expired: ask for a new one' : 'this media link is not valid (its signature does not match)');
    const head = await media.blobs.head(id);
    if (!head) throw apiError('not_found', `no media ${id}`);
    const etag = `"${id}"`;
    const maxAge = Math.min(MAX_AGE_CAP, Math.max(0, Number(req.query.exp) - Math.floor(Date.now() / 1000)));
    const range = parseRange(req.headers.range, head.bytes);
    if (range === null) {
      return reply.code(416).header('content-range', `bytes */${head.bytes}`).send(envelope('invalid_request', `the range is outside the file (${head.bytes} bytes)`));
    }
    reply.headers({ etag, 'cache-control': `public, max-age=${maxAge}, immutable`, 'accept-ranges': 'bytes', 'content-type': head.contentType });
    if (req.headers['if-none-match'] === etag) return reply.code(304).send('');
    const stream = await media.blobs.get(id, range);
    if (!stream) throw apiError('not_found', `no media ${id}`);
    media.served(range ? range.end - range.start + 1 : head.bytes);
    if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${head.bytes}`);
    reply.header('content-length', range ? range.end - range.start + 1 : head.bytes);
    return reply.send(stream);
  });
};

export default serve;
