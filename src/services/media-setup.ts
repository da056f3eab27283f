/** Builds `rt.media` from config: the backend, the Redis records, and a start-up warning when media cannot work. */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createBlobStore } from '../store/blobs/index.js';
import type { Keys } from '../store/keys.js';
import { MediaStore } from '../store/media-store.js';
import { MediaService } from './media.js';
import { createMediaMetrics } from './media-metrics.js';
import type { Registry } from 'prom-client';

export async function createMediaService(config: Config, redis: Redis, keys: Keys, log: Logger, registry: Registry): Promise<MediaService> {
  const blobs = config.media ? await createBlobStore(config.media) : null;
  const media = new MediaService(config, new MediaStore(redis, keys), blobs, log, createMediaMetrics(registry));
  if (config.media && media.problem) log.warn(media.problem);
  return media;
}

export { MediaService } from './media.js';
