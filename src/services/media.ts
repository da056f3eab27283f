/**
 * The media service (`rt.media`): stores client images and hands out signed gateway URLs providers can fetch.
 * Without a `media:` block (or without `publicUrl`, which providers need to reach the links) every use answers
 * 422 `media_not_configured`, saying what to set.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { decodeDataUrl, IMAGE_TYPES, ImageInputError, isDataImageUrl, normaliseImageType, sniffImage, type ImageType } from '../domain/image.js';
import { imageRefs, replaceRefs } from '../domain/media-fields.js';
import { ApiError, apiError } from '../errors.js';
import type { BlobStore } from '../store/blobs/types.js';
import type { MediaStore } from '../store/media-store.js';
import type { JobSnapshot } from '../../providers/types.js';
import type { TaskRecord } from '../domain/task.js';
import { MediaLinks } from './media-links.js';
import type { MediaMetrics } from './media-metrics.js';
import { mirrorSnapshot, type MirrorDeps } from './media-mirror.js';
import { createWebhookAgent } from './webhooks.js';

export interface StoredMedia { id: string; url: string; contentType: ImageType; bytes: number }

export interface StoreImageInput {
  tenantId: string;
  data: Buffer;
  /** What the client said the bytes are; refused when the bytes say otherwise. */
  contentType?: string;
}

export class MediaService {
  readonly links: MediaLinks | null;
  /** Why media cannot be used here, or null when it can. */
  readonly problem: string | null;

  constructor(
    private readonly config: Config,
    readonly store: MediaStore,
    readonly blobs: BlobStore | null,
    private readonly log: Logger,
    private readonly metrics: MediaMetrics,
  ) {
    const media = config.media;
    const secret = media?.signingSecret ?? config.adminToken;
    this.links = media && secret ? new MediaLinks(secret, config.publicUrl, media.urlTtlSeconds) : null;
    this.problem = !media
      ? 'media is not configured: add a media: block (store: local or s3) to the gateway config to accept image data'
      : !config.publicUrl
        ? 'media needs publicUrl (the address providers fetch images from): set publicUrl in the gateway config'
        : null;
  }

  /** Throws 422 `media_not_configured` when media cannot be used. */
  private ready(): { links: MediaLinks; blobs: BlobStore; maxBytes: number; retentionMs: number } {
    if (this.problem || !this.links || !this.blobs) throw apiError('media_not_configured', this.problem ?? 'media is not configured');
    return { links: this.links, blobs: this.blobs, maxBytes: this.config.media!.maxBytes, retentionMs: this.config.taskRetentionDays * 86_400_000 };
  }

  get maxBytes(): number {
    return this.config.media?.maxBytes ?? 0;
  }

  /** Mirrored outputs are linked for as long as their task is kept. */
  get retentionSeconds(): number {
    return Math.round(this.config.taskRetentionDays * 86_400);
  }

  /** True when task outputs are to be copied into the store. */
  get mirrors(): boolean {
    return this.problem === null && this.config.media!.mirror;
  }

  /**
   * Stores one image of a tenant and returns its signed URL. The type comes from the bytes (PNG, JPEG, WebP or GIF);
   * anything else is 400, more than `media.maxBytes` is 413.
   */
  async storeImageData(input: StoreImageInput): Promise<StoredMedia> {
    const { links, maxBytes } = this.ready();
    if (input.data.length > maxBytes) throw apiError('payload_too_large', `the image is ${input.data.length} bytes; the limit is ${maxBytes} bytes (media.maxBytes)`);
    const type = sniffImage(input.data.subarray(0, 16));
    if (!type) throw apiError('invalid_request', 'the data is not a PNG, JPEG, WebP or GIF image');
    if (input.contentType !== undefined) {
      const declared = normaliseImageType(input.contentType.split(';')[0]!.trim());
      if (declared !== type) throw apiError('invalid_request', `the data says ${declared} but the bytes are ${type}: send the right type`);
    }
    const id = `med_${randomBytes(16).toString('hex')}.${IMAGE_TYPES[type]}`;
    const { bytes } = await this.put(input.tenantId, id, input.data, type);
    return { id, url: links.url(id), contentType: type, bytes };
  }

  /**
   * Writes an object and records it. The id goes on the expiry worklist first, so nothing a crash leaves is lost
   * to the sweeper; a failed write removes what it began.
   */
  async put(tenantId: string, id: string, body: Readable | Buffer, type: string): Promise<{ bytes: number }> {
    const { blobs, retentionMs } = this.ready();
    const expiresAt = Date.now() + retentionMs;
    await this.store.reserve(id, expiresAt);
    const { bytes } = await blobs.put(id, body, type).catch((err: unknown) => {
      this.metrics.storeErrors.inc({ backend: blobs.kind, op: 'put' });
      throw err;
    });
    this.metrics.bytes.inc({ direction: 'in', backend: blobs.kind }, bytes);
    await this.store.commit({ id, tenantId, contentType: type, bytes, expiresAt, at: new Date().toISOString() });
    return { bytes };
  }

  /**
   * A copy of a canonical task body whose `data:image/...;base64,` strings (in the image fields of
   * domain/media-fields.ts) are replaced by signed gateway URLs. A body without data URLs is returned as is.
   */
  async resolveDataUrls<T extends object>(tenantId: string, body: T): Promise<T> {
    const refs = imageRefs(body as Record<string, unknown>).filter((r) => isDataImageUrl(r.value));
    if (refs.length === 0) return body;
    const { maxBytes } = this.ready();
    const replacements = new Map<string, string>();
    for (const ref of refs) {
      let decoded: { declaredType: string; data: Buffer };
      try {
        decoded = decodeDataUrl(ref.value, maxBytes);
      } catch (err) {
        if (!(err instanceof ImageInputError)) throw err;
        throw apiError(err.kind === 'too_large' ? 'payload_too_large' : 'invalid_request', `body.${ref.path}: the data URL ${err.message}`);
      }
      const stored = await this.storeImageData({ tenantId, data: decoded.data, contentType: decoded.declaredType }).catch((err: unknown) => {
        throw err instanceof ApiError ? apiError(err.code, `body.${ref.path}: ${err.message}`) : err;
      });
      replacements.set(ref.path, stored.url);
    }
    this.log.debug({ tenantId, images: refs.length }, 'data URLs stored');
    return replaceRefs(body as Record<string, unknown>, replacements) as T;
  }

  private mirrorDeps?: MirrorDeps;

  /** A succeeded snapshot with its output copied into the store (services/media-mirror.ts); others as they are. */
  async mirrorOutput(rec: TaskRecord, snap: JobSnapshot): Promise<JobSnapshot> {
    if (!this.mirrors || snap.status !== 'succeeded') return snap;
    const media = this.config.media!;
    this.mirrorDeps ??= {
      media: this,
      log: this.log,
      limits: { agent: createWebhookAgent({ allowPrivate: media.allowPrivateHosts, timeoutMs: media.downloadTimeoutMs }), maxBytes: media.maxBytes, timeoutMs: media.downloadTimeoutMs, allowPrivate: media.allowPrivateHosts },
      onFailure: () => this.metrics.mirrorFailures.inc({ backend: this.blobs!.kind }),
    };
    const started = performance.now();
    const out = await mirrorSnapshot(this.mirrorDeps, rec, snap);
    const failed = out.output && 'mirrorError' in out.output;
    this.metrics.mirrorSeconds.observe({ outcome: failed ? 'partial' : 'ok' }, (performance.now() - started) / 1000);
    return out;
  }

  /**
   * Deletes media whose time is up (bytes first, then the record, so a crash in between is retried) and temp files
   * of writes cut off by a crash, once older than `partialGraceMs` (no live write takes that long).
   */
  async sweep(now = Date.now(), partialGraceMs = 2 * (this.config.media?.downloadTimeoutMs ?? 0) + 60_000): Promise<{ expired: number; partial: number }> {
    if (!this.blobs) return { expired: 0, partial: 0 };
    const ids = await this.store.expired(now, 500);
    for (const id of ids) {
      await this.blobs.delete(id);
      await this.store.forget(id);
    }
    const partial = (await this.blobs.sweepPartial?.(partialGraceMs)) ?? 0;
    if (ids.length || partial) this.log.info({ expired: ids.length, partial }, 'media sweep');
    return { expired: ids.length, partial };
  }

  /** Counts served bytes (GET /media). */
  served(bytes: number): void {
    if (this.blobs) this.metrics.bytes.inc({ direction: 'out', backend: this.blobs.kind }, bytes);
  }

  async close(): Promise<void> {
    await this.mirrorDeps?.limits.agent.destroy();
    await this.blobs?.close?.();
  }
}
