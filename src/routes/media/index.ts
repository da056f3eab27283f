/**
 * `POST /v1/media`: upload one image (multipart `file` field, or the raw bytes with an image Content-Type) and get a
 * signed link to use in any image field. `GET /v1/media/usage`: the tenant's stored bytes.
 */
import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiError } from '../../errors.js';
import { errorSchema, tenantErrors } from '../../schemas/common.js';
import { mediaUsageSchema, storedMediaSchema } from '../../schemas/media.js';

const RAW_TYPES = /^(image\/[a-z0-9.+-]+|application\/octet-stream)$/i;

/** The uploaded bytes and what the client said they are. */
async function readUpload(req: FastifyRequest, maxBytes: number): Promise<{ data: Buffer; contentType?: string }> {
  if (!req.isMultipart()) {
    if (!Buffer.isBuffer(req.body)) throw apiError('invalid_request', 'send the image as multipart/form-data (field "file") or as the raw body with Content-Type image/...');
    const type = req.headers['content-type']?.split(';')[0]?.trim();
    return { data: req.body, contentType: type?.startsWith('image/') ? type : undefined };
  }
  const file = await req.file({ limits: { fileSize: maxBytes, files: 1, fields: 10 } });
  if (!file) throw apiError('invalid_request', 'the form has no file: send the image in a field named "file"');
  try {
    const data = await file.toBuffer();
    return { data, contentType: file.mimetype.startsWith('image/') ? file.mimetype : undefined };
  } catch (err) {
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw apiError('payload_too_large', `the file is larger than ${maxBytes} bytes (media.maxBytes)`);
    throw err;
  }
}

const media: FastifyPluginAsyncZod = async (app) => {
  const { media: service } = app.rt;
  // Bytes up to the media limit; multipart enforces it per file. A part over the limit is a 413, not a 400.
  const limit = Math.max(service.maxBytes, 1024);
  await app.register(multipart);
  app.addContentTypeParser(RAW_TYPES, { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', app.authenticate);

  app.post('/v1/media', {
    bodyLimit: limit + 64 * 1024,
    schema: {
      tags: ['media'], summary: 'Upload an image (multipart field "file", or the raw bytes)', security: [{ bearer: [] }],
      consumes: ['multipart/form-data', 'image/png', 'image/jpeg', 'image/webp', 'image/gif'],
      response: { 201: storedMediaSchema, ...tenantErrors, 413: errorSchema, 422: errorSchema },
    },
  }, async (req, reply) => {
    if (service.problem) throw apiError('media_not_configured', service.problem);
    const upload = await readUpload(req, service.maxBytes);
    const stored = await service.storeImageData({ tenantId: req.tenant.id, ...upload });
    return reply.code(201).send(stored);
  });

  app.get('/v1/media/usage', {
    schema: { tags: ['media'], summary: "The tenant's stored media (uploads and mirrored outputs)", security: [{ bearer: [] }], response: { 200: mediaUsageSchema, ...tenantErrors } },
  }, async (req) => service.store.usage(req.tenant.id));
};

export default media;
