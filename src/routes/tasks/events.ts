/**
 * `GET /v1/tasks/{id}/events`: server-sent events, one `task` event per change of the task's public document
 * (`id:` = the record version, so `Last-Event-ID` resumes), ending after the final one. Heartbeat comments keep
 * idle connections open; a client abort or a shutdown ends the stream and drops its watch.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { isFinalStatus, TaskFollower, type Snapshot } from '../../services/task-follow.js';
import { apiError } from '../../errors.js';

/** The app's open streams: one timer writes all their heartbeats. */
function streamSet(everyMs: number) {
  const open = new Set<ServerResponse>();
  let heartbeat: NodeJS.Timeout | undefined;
  return {
    add(res: ServerResponse) {
      open.add(res);
      heartbeat ??= setInterval(() => {
        for (const r of open) r.write(': keep-alive\n\n');
      }, everyMs).unref();
    },
    delete(res: ServerResponse) {
      open.delete(res);
      if (open.size === 0 && heartbeat) {
        clearInterval(heartbeat);
        heartbeat = undefined;
      }
    },
  };
}

/** A snapshot's event, encoded once however many streams send it. */
const frames = new WeakMap<Snapshot, Buffer>();
function frame(s: Snapshot): Buffer {
  let f = frames.get(s);
  if (!f) frames.set(s, (f = Buffer.from(`id: ${s.version}\nevent: task\ndata: ${s.doc}\n\n`)));
  return f;
}

export function registerEvents(app: FastifyInstance, schema: Record<string, unknown>): void {
  const streams = streamSet(app.rt.config.streams.heartbeatMs);
  app.get<{ Params: { id: string } }>('/v1/tasks/:id/events', { schema }, async (req, reply) => {
    const tenantId = req.tenant.id;
    const follower = new TaskFollower(app.taskWatch, req.params.id, tenantId, app.rt.tasks);
    const first = await follower.refresh();
    if (!first) {
      follower.end();
      throw apiError('not_found', `task ${req.params.id} not found`);
    }
    const lastSeen = Number(req.headers['last-event-id']);
    const res = reply.raw;
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive',
      'x-accel-buffering': 'no', 'x-request-id': String(req.id), 'x-content-type-options': 'nosniff',
    });
    res.write('retry: 2000\n\n');
    if (!(Number.isInteger(lastSeen) && lastSeen >= first.version)) res.write(frame(first));
    const finish = () => {
      streams.delete(res);
      follower.end();
      if (!res.writableEnded) res.end();
    };
    if (follower.ended) return finish();
    streams.add(res);
    // The final event ends the response in the same write (one system call per stream, not two).
    follower.onSnapshot((s) => (isFinalStatus(s.status) ? res.end(frame(s)) : res.write(frame(s))));
    follower.onEnd(finish);
    res.on('close', finish);
  });
}
