/** /metrics exposes the families operators need; logs carry one line per request and per task transition. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

describe('observability', () => {
  const lines: Array<Record<string, unknown>> = [];
  let sim: Simulator;
  let gw: TestGateway;
  let task: Task;

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 300;
    const sink = new Writable({ write: (chunk, _e, done) => void (lines.push(JSON.parse(String(chunk))), done()) });
    gw = await startGateway({ logger: pino({ level: 'info' }, sink), providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, maxConcurrency: 4 }] });
    const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'observed' } });
    task = await waitForTask(gw.url, TENANT_A_KEY, res.body.id);
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('exposes HTTP, task, upstream, poll, queue, slot and circuit metrics', async () => {
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/mjg_http_request_duration_seconds_count\{route="\/v1\/tasks\/:id",method="GET",status="200"\} [1-9]/);
    expect(text).toMatch(/mjg_tasks_finished_total\{action="imagine",provider="legnext-main",status="succeeded",code=""\} 1/);
    expect(text).toMatch(/mjg_task_duration_seconds_count\{action="imagine",status="succeeded"\} 1/);
    expect(text).toMatch(/mjg_upstream_call_duration_seconds_count\{provider="legnext-main",endpoint="submit",outcome="ok"\} 1/);
    expect(text).toMatch(/mjg_upstream_call_duration_seconds_count\{provider="legnext-main",endpoint="poll",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/mjg_polls_total\{provider="legnext-main"\} [1-9]/);
    expect(text).toMatch(/mjg_submit_attempts_total\{provider="legnext-main",outcome="accepted",class=""\} 1/);
    expect(text).toMatch(/mjg_queue_jobs\{queue="polls",state="delayed"\} \d+/);
    expect(text).toMatch(/mjg_provider_slots_in_use\{provider="legnext-main"\} 0/);
    expect(text).toMatch(/mjg_provider_slots_max\{provider="legnext-main"\} 4/);
    expect(text).toMatch(/mjg_circuit_state\{provider="legnext-main"\} 0/);
    for (const family of ['mjg_failovers_total', 'mjg_circuit_transitions_total', 'mjg_slot_waits_total', 'mjg_webhook_deliveries_total', 'mjg_ambiguous_submits_total', 'mjg_process_cpu_seconds_total']) {
      expect(text).toContain(`# TYPE ${family}`);
    }
  });

  it('logs one line per request, with its request id, and one per task transition, with the task id', () => {
    const requests = lines.filter((l) => l.msg === 'request');
    const submit = requests.find((l) => l.method === 'POST' && l.route === '/v1/tasks');
    expect(submit).toMatchObject({ status: 202, tenant: 'tenant-a', reqId: expect.any(String) });
    expect(lines.filter((l) => l.msg === 'incoming request')).toHaveLength(0);
    const transitions = lines.filter((l) => l.msg === 'task transition' && l.taskId === task.id).map((l) => `${String(l.from)}->${String(l.to)}`);
    expect(transitions).toEqual(['queued->submitted', 'submitted->running', 'running->succeeded']);
  });
});
