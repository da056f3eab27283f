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
