/** RELIABILITY.md (full mode) or chaos/results/quick.md (quick mode): the figures of a run, and what they mean. */
import { cpus } from 'node:os';
import { WORKERS } from './cluster.js';
import { failures, type Figures } from './measure.js';
import type { PhaseResult } from './sentinel.js';

export interface RunInfo { mode: 'quick' | 'full'; code: string; startedAt: Date; ms: number; loadAvg: number[]; perSecond: number; jobMs: number }

const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const list = (xs: string[], max = 15) => (xs.length ? `${xs.slice(0, max).join(', ')}${xs.length > max ? `, … (${xs.length} in all)` : ''}` : 'none');
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function rows(f: Figures, p: PhaseResult): Array<[string, string]> {
  const fz = p.fuzz.byClass;
  return [
    ['tasks accepted (202/200)', `${f.accepted} (${Object.entries(f.byAction).map(([k, v]) => `${k} ${v}`).join(', ')})`],
    ['final', `${f.final} (${Object.entries(f.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')})`],
    ['**lost**', String(f.lost.length)],
    ['**reverted**', String(f.reverted.length)],
    ['submits never acknowledged (client gave up)', String(f.unacknowledged)],
    ['submit answers, retries included', Object.entries(f.submitStatuses).map(([k, v]) => `${k}: ${v}`).join(', ')],
    ['upstream jobs created', String(f.upstreamJobs)],
    ['tasks with more than one upstream job (extra jobs)', `${f.duplicates.tasks} (${f.duplicates.extraJobs})`],
    ['tasks with more jobs than attempts: during a failover / **unexplained**', `${f.duplicates.byFailover.length} / ${f.duplicates.unexplained.length}`],
    ['upstream jobs no task owns or names', String(f.unattributedJobs)],
    ['**leaked slots** (provider / tenant)', `${sum(f.leaked.providers)} / ${sum(f.leaked.tenants)}`],
    ['final webhooks expected', String(f.webhooks.expected)],
    ['**final webhooks missing / late**', `${f.webhooks.missing.length} / ${f.webhooks.late.length}`],
    ['final webhook lateness p50 / p99 / max', `${f.webhooks.latenessMs.p50} / ${f.webhooks.latenessMs.p99} / ${f.webhooks.latenessMs.max} ms`],
    ['the same, Redis downtime left out', `${f.webhooks.storeLatenessMs.p50} / ${f.webhooks.storeLatenessMs.p99} / ${f.webhooks.storeLatenessMs.max} ms`],
    ['fuzz requests (4xx / 503 / other 5xx / no answer)', `${p.fuzz.sent} (${fz['4xx'] ?? 0} / ${fz['503'] ?? 0} / ${p.fuzz.fiveHundreds.length} / ${fz['no answer'] ?? 0})`],
    ['gateway processes that died on their own', list(p.unexpectedExits)],
    ['phase time', s(p.ms)],
  ];
}

function findings(name: string, f: Figures, p: PhaseResult): string[] {
  const out: string[] = [];
  if (f.lost.length) out.push(`- ${name}: lost ${list(f.lost.map((x) => `${x.id} (${x.why})`))}`);
  if (f.reverted.length) out.push(`- ${name}: reverted ${list(f.reverted.map((x) => `${x.id} (${x.what})`))}`);
  if (f.leaked.tasks.length) out.push(`- ${name}: slots still held by ${list(f.leaked.tasks)}`);
  if (f.webhooks.missing.length) out.push(`- ${name}: no final webhook for ${list(f.webhooks.missing)}`);
  if (f.webhooks.late.length) out.push(`- ${name}: late final webhooks ${list(f.webhooks.late.map((x) => `${x.id} (${x.ms} ms; ${x.raw} ms with Redis downtime)`))}`);
  if (f.duplicates.byFailover.length) out.push(`- ${name}: duplicate jobs made during the failover ${list(f.duplicates.byFailover.map((x) => `${x.id} (${x.jobs} jobs; attempts ${x.attempts})`))}`);
  if (f.duplicates.unexplained.length) out.push(`- ${name}: unexplained duplicate jobs ${list(f.duplicates.unexplained.map((x) => `${x.id} (${x.jobs} jobs; attempts ${x.attempts})`))}`);
  if (p.fuzz.fiveHundreds.length) out.push(`- ${name}: 5xx under fuzz ${list(p.fuzz.fiveHundreds.map((x) => `${x.name} → ${x.status}`))}`);
  if (p.unexpectedExits.length) out.push(`- ${name}: processes exited on their own: ${list(p.unexpectedExits)}`);
  return out;
}

export function render(info: RunInfo, main: PhaseResult, sentinel: PhaseResult): string {
  const r1 = rows(main.figures, main);
  const r2 = rows(sentinel.figures, sentinel);
  const faults = [...main.figures.recovery, ...sentinel.figures.recovery];
  const found = [...findings('main', main.figures, main), ...findings('Sentinel', sentinel.figures, sentinel)];
  const failed = [...failures(main.figures), ...failures(sentinel.figures)];
  const cpu = cpus();
  return `# Reliability

Written by \`npm run chaos${info.mode === 'quick' ? ' -- --quick' : ''}\` (**${info.mode} mode**) on ${info.startedAt.toISOString()}, code \`${info.code}\`.
Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), load average ${info.loadAvg.map((x) => x.toFixed(2)).join(' / ')} at the end
(the cores are shared with other work, so times are noisy). Total run time ${s(info.ms)}. Verdict: **${failed.length ? `FAILED (${failed.join(', ')})` : 'passed'}**.

Each phase runs the gateway as real processes (\`src/main.ts\`: one API, workers) against the three provider
simulators and a webhook receiver, and submits ${info.perSecond} tasks a second (imagines pinned to each provider or
routed freely, upscales and variations of finished grids, 4 % failing upstream; upstream jobs take ${info.jobMs} ms),
each with a \`callbackUrl\`, while a light fuzz of malformed requests runs alongside. Locks: \`workers.lockDurationMs\`
${WORKERS.lockDurationMs} ms, \`stalledIntervalMs\` ${WORKERS.stalledIntervalMs} ms.

- **main**: its own redis-server with AOF (\`appendfsync always\`), one API and two worker processes; faults one after
  another: worker SIGKILL (a new worker started), API SIGKILL (restarted on the same port), Redis SIGKILL (restarted
  from its AOF), and provider outages — 500s, hanging requests, refused connections (the simulator's relay closed).
- **Sentinel**: a primary, a replica and a sentinel; the gateway configured with \`redisSentinel\`; \`SENTINEL FAILOVER\`
  a third of the way through the submits.

| | main | Sentinel |
| --- | --- | --- |
${r1.map(([k, v], i) => `| ${k} | ${v} | ${r2[i]![1]} |`).join('\n')}

## Recovery per fault

| at | fault | target | lasted | API answering after | first task succeeding after |
| --- | --- | --- | --- | --- | --- |
${faults.map((f) => `| ${new Date(f.startedAt).toISOString().slice(11, 19)} | ${f.kind} | ${f.target || '—'} | ${s(f.endedAt - f.startedAt)} | ${s(f.apiBackMs)} | ${s(f.firstSuccessMs)} |`).join('\n')}

## Findings

${found.length ? found.join('\n') : 'None: nothing lost, reverted or leaked, every final webhook in within one lock period, no 5xx other than 503 under fuzz.'}

## What the figures mean

- **accepted**: tasks the API acknowledged (202, or 200 for a retried Idempotency-Key). The client retries a submit
  that got no answer or a 503 with the same key, so a crash between accepting and answering is not a loss.
- **lost**: an accepted task the API no longer knows (404), or that is not final when the phase ends (the phase waits
  up to its drain deadline for every task).
- **reverted**: a task read as final (from the API, polled all through the run and once more at the end) that a later
  read shows with another status.
- **duplicate upstream jobs**: jobs in the simulators' job tables (one per accepted submit), attributed to a task by
  its \`upstreamId\` or by the tag its prompt carries. A task with more jobs than its attempts that were accepted or
  ambiguous (the request left, the answer was lost: a retry may duplicate it, which is the documented price of
  \`retry.onAmbiguousSubmit: retry\`) has more jobs than attempts. When one of its jobs was made between the start
  of a Sentinel failover and one lock period after it, the failover explains it (Redis replicates asynchronously: the
  promoted replica may miss the write that recorded the attempt, so the job is submitted again); otherwise the
  duplicate is *unexplained*. Follow-ups carry no tag: their extra jobs show as jobs no task owns.
- **leaked slots**: provider and tenant slot holders (read through \`RoomStore.holders\`) once every task is final.
- **final webhooks**: per final task, the first webhook the receiver got whose \`X-MJG-Event\` is a final status;
  lateness is its arrival minus the task's \`finishedAt\`. *Late* is beyond \`workers.lockDurationMs\` once the time
  Redis was away in between is left out (from a Redis SIGKILL, or a failover's start, to Redis answering again: no
  process can read the event or its delivery job then; a task that ended just before Redis died otherwise counts the
  whole outage). *Missing* is none within max(20 s, two lock periods) of the end.
- **recovery**: from the end of a fault (process restarted, Redis started again, provider serving again, failover
  done) to the API answering \`/readyz\` and to the first task finishing \`succeeded\` after it (on the provider of an
  outage). Measured, not asserted.
- **fuzz**: malformed JSON, wrong types, unknown actions, 5,000-deep metadata, bad ids and queries, a 20 KB header,
  broken HTTP framing; every answer should be a 4xx (503 allowed while Redis is away).

The suite exits non-zero on any lost or reverted task, leaked slot, or missing or late final webhook.
Quick mode (\`npm run chaos -- --quick\`, run by CI) writes \`chaos/results/quick.md\`; only the full mode writes this file.
`;
}
