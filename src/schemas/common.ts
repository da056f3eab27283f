/** Error envelope schema, shared by every route's documented error answers. */
import { z } from 'zod';
import { ERROR_STATUS } from '../errors.js';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...Array<keyof typeof ERROR_STATUS>]),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** The standard error answers a tenant route can give. */
export const tenantErrors = { 400: errorSchema, 401: errorSchema, 404: errorSchema, 429: errorSchema };

/** An http(s) URL, at most 2,048 characters (the pattern tells clients what the protocol check enforces). */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).meta({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' });
/** An image: an http(s) URL, or the image itself as a `data:image/...;base64,` URL (stored by the gateway, see media). */
export const imageRef = z.union([httpUrl, z.string().regex(/^data:image\/[A-Za-z0-9.+-]+;base64,/)], {
  error: 'must be an http(s) URL or a data:image/...;base64, URL',
});

/** A time as the gateway writes it: ISO 8601 in UTC (`Date.prototype.toISOString`). */
export const timestamp = z.string().meta({ format: 'date-time' });
