/** Schemas of the media API: an uploaded file, and a tenant's stored media. */
import { z } from 'zod';

export const storedMediaSchema = z
  .object({
    id: z.string().describe('med_<32 hex>.<ext>'),
    url: z.string().describe('Signed link, valid for media.urlTtlSeconds; usable in any image field of a task'),
    contentType: z.string().describe('From the bytes: image/png, image/jpeg, image/webp or image/gif'),
    bytes: z.number().int(),
  })
  .meta({ id: 'StoredMedia' });

export const mediaUsageSchema = z
  .object({ bytes: z.number().int().describe('Bytes stored for this tenant (uploads and mirrored outputs)'), count: z.number().int() })
  .meta({ id: 'MediaUsage' });
