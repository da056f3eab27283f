/** A real S3-protocol server (s3rver) on a free port, with one bucket, in a temp directory of its own. */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';

export interface TestS3 { endpoint: string; bucket: string; config: Record<string, unknown>; close(): Promise<void> }

export async function startS3(bucket = 'mjg-media'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'mjg-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] }) as {
    run(): Promise<AddressInfo>;
    httpServer: Server;
    close(): Promise<void>;
  };
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    // s3rver accepts the key pair S3RVER/S3RVER.
    config: { bucket, region: 'us-east-1', endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', prefix: 'test/' },
    async close() {
      server.httpServer.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
