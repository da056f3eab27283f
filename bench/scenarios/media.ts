/**
 * 7. Media: mirroring memory and serving throughput. A Legnext simulator serving 5 MiB PNG outputs (bench/media-sim.ts)
 * behind a ROLE=api + ROLE=worker gateway with a local media store and mirroring on. Tasks are submitted at once; the
 * worker runs 5 tasks at a time, each copying its 5 files 4 at a time (20 downloads at once). The worker's RSS is
 * sampled every 100 ms. Then one mirrored file is served by the gateway (signed link) and by a bare Fastify +
 * @fastify/static floor (bench/media-floor.ts) from the same directory, closed-loop with autocannon.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH, freePort, startGateway, writeConfig } from '../lib/gateway.js';
import { cannon, warmUp } from '../lib/load.js';
import { guardStart, sleep, startProcess, SERVER_NODE_FLAGS, waitFor, type Proc } from '../lib/proc.js';
import { below, type Goal, type ScenarioResult } from '../lib/report.js';
import type { Ctx } from '../lib/stage.js';
import { fmt, fmtInt } from '../lib/stats.js';
import { SIM_KEY } from '../lib/upstream.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 5 * MiB;
const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const jsonLine = <T>(proc: Proc) => () => {
  const line = proc.lines.find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as T) : undefined;
};

interface TaskView { id: string; status: string; output: { imageUrls: string[]; gridImageUrl: string | null; mirrorError?: string } | null }

export async function runMedia(ctx: Ctx): Promise<ScenarioResult> {
  const started = Date.now();
  const files = ctx.quick ? 50 : 200;
  const tasks = files / 5;
  const dir = mkdtempSync(join(tmpdir(), 'mjgbench-media-'));
  const procs: Proc[] = [];
  try {
    const sim = startProcess('media-sim', 'bench/media-sim.ts', { SIM_KEY, FILE_BYTES: String(FILE_BYTES) });
    procs.push(sim);
    const { sim: simPort } = await guardStart(sim, waitFor('the media simulator', jsonLine<{ sim: number }>(sim), 20_000));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const prefix = `${ctx.runId}-media`;
    const media = { dir, allowPrivateHosts: true, signingSecret: 'bench-media-signing-secret-0123456789', maxBytes: 25 * MiB };
    const cfg = writeConfig({ name: 'media', keyPrefix: prefix, simUrl: `http://127.0.0.1:${simPort}`, publicUrl: base, extra: { workers: { concurrency: 5 }, media } });
    const api = await startGateway('gw-media-api', 'api', cfg.path, prefix, { port });
    const worker = await startGateway('gw-media-worker', 'worker', cfg.path, prefix);
    procs.push(api.proc, worker.proc);

    // Mirroring: RSS of the worker from idle to the end of the last copy.
    await sleep(1000);
    const baseline = rssBytes(worker.proc.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(worker.proc.pid))), 100);
    const t0 = Date.now();
    const ids = await Promise.all(Array.from({ length: tasks }, async (_, i) => {
      const res = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: AUTH, body: JSON.stringify({ action: 'imagine', prompt: `a lighthouse ${i}` }) });
      return ((await res.json()) as TaskView).id;
    }));
    const final = new Map<string, TaskView>();
    await waitFor('every media task final', async () => {
      for (const id of ids.filter((x) => !final.has(x))) {
        const t = (await (await fetch(`${base}/v1/tasks/${id}`, { headers: AUTH })).json()) as TaskView;
        if (['succeeded', 'failed', 'canceled'].includes(t.status)) final.set(id, t);
      }
      return final.size === ids.length;
    }, 600_000, 250);
    const mirrorSeconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const views = [...final.values()];
    const mirrored = views.filter((t) => t.status === 'succeeded' && !t.output?.mirrorError && t.output?.imageUrls.every((u) => u.startsWith(`${base}/media/`))).length;
    const growth = peak - baseline;
    ctx.log(`  mirrored ${mirrored}/${tasks} tasks (${files} files of 5 MiB) in ${fmt(mirrorSeconds)} s; worker RSS ${fmtInt(baseline / MiB)} → peak ${fmtInt(peak / MiB)} MiB`);

    // Serving: the same file by signed link and by the floor.
    const url = views.find((t) => t.output?.imageUrls[0]?.startsWith(base))!.output!.imageUrls[0]!;
    const id = new URL(url).pathname.split('/').pop()!;
    const floor = startProcess('media-floor', 'bench/media-floor.ts', { FLOOR_DIR: dir, PORT: '0' }, { nodeFlags: SERVER_NODE_FLAGS });
    procs.push(floor);
    const { port: floorPort } = await guardStart(floor, waitFor('the media floor', jsonLine<{ port: number }>(floor), 20_000));
    const core = id.slice(4);
    const floorUrl = `http://127.0.0.1:${floorPort}/${core.slice(0, 2)}/${core.slice(2, 4)}/${id}`;
    const durationS = ctx.quick ? 3 : 10;
    const load = { connections: 8, durationS, method: 'GET' as const };
    await warmUp({ url, method: 'GET', headers: {}, requests: 50, parallel: 8 });
    await warmUp({ url: floorUrl, method: 'GET', headers: {}, requests: 50, parallel: 8 });
    const gw = await cannon({ ...load, url });
    const fl = await cannon({ ...load, url: floorUrl });
    const ratio = gw.rps / fl.rps;
    ctx.log(`  serving 5 MiB: gateway ${fmt(gw.rps)} req/s, floor ${fmt(fl.rps)} req/s (${fmt(ratio)}×)`);

    const goals: Goal[] = [
      { what: `Worker RSS growth mirroring ${files} files of 5 MiB, 20 at a time`, target: '< 64 MiB', measured: `${fmt(growth / MiB, 1)} MiB`, ok: growth < 64 * MiB, miss: growth < 64 * MiB ? undefined : `${fmt(growth / MiB - 64, 1)} MiB over` },
      { what: 'Serving a mirrored 5 MiB file vs @fastify/static floor', target: '≥ 0.8×', measured: `${fmt(ratio)}×`, ok: ratio >= 0.8, miss: ratio >= 0.8 ? undefined : below(ratio, 0.8) },
    ];
    const statuses: Record<string, number> = {};
    for (const t of views) statuses[t.status] = (statuses[t.status] ?? 0) + 1;
    return {
      id: 'S7', title: 'Media: mirroring memory and serving throughput',
      method: `${tasks} imagine tasks (5 output files each, ${files} files of 5 MiB padded PNG served by the simulator) submitted at once to a ROLE=api + ROLE=worker gateway with \`media: { store: local, mirror: true }\` and \`workers.concurrency: 5\` (5 tasks × 4 downloads = 20 at a time). Worker RSS sampled every 100 ms from 1 s idle to the last final task. Serving: one mirrored file by its signed link on the gateway, then the same file from the same directory by a bare Fastify + @fastify/static process, ${load.connections} connections, ${durationS} s each, autocannon in the bench process.`,
      tables: [{
        head: ['measure', 'value'],
        rows: [
          ['tasks mirrored / submitted', `${mirrored} / ${tasks}`], ['mirroring wall time', `${fmt(mirrorSeconds)} s`],
          ['worker RSS idle → peak', `${fmtInt(baseline / MiB)} → ${fmtInt(peak / MiB)} MiB`],
          ['gateway serving (req/s, p50 ms)', `${fmt(gw.rps)}, ${fmt(gw.p50)}`], ['floor serving (req/s, p50 ms)', `${fmt(fl.rps)}, ${fmt(fl.p50)}`],
        ],
      }],
      goals,
      notes: ['Files stream from the download to a temp file and are renamed into place: memory does not grow with file size or count.'],
      verified: { created: tasks, statuses, allFinal: final.size === tasks },
      raw: { baseline, peak, mirrorSeconds, gw, floor: fl, mirrored },
      seconds: (Date.now() - started) / 1000,
      code: [api.code],
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
