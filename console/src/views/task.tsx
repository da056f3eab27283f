/** One task: the grid and its images at full size, the follow-ups it allows, attempts, cost, deliveries and JSON. */
import { useEffect, useState } from 'preact/hooks';
import { client, ok, type Role, type SubmitTask, type Task } from '../api';
import { FollowUps } from './follow-ups';
import { FINAL, StatusBadge, usd } from './task-bits';

type Delivery = { id: string; type: string; state: string; url: string; attempts: Array<{ n: number; statusCode: number | null; error: string | null }> };

async function load(id: string, role: Role): Promise<Task> {
  if (role === 'admin') return ok(await client.GET('/admin/tasks/{id}', { params: { path: { id } } })).task;
  return ok(await client.GET('/v1/tasks/{id}', { params: { path: { id } } }));
}

export function TaskPage({ id, role }: { id: string; role: Role }) {
  const [task, setTask] = useState<Task | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const t = await load(id, role);
        if (stop) return;
        setTask(t);
        setError(null);
        if (role === 'tenant') setDeliveries(ok(await client.GET('/v1/tasks/{id}/deliveries', { params: { path: { id } } })).data);
        if (FINAL.has(t.status)) return;
      } catch (err) {
        if (!stop) setError((err as Error).message);
      }
      if (!stop) timer = setTimeout(() => void tick(), 1000);
    };
    setTask(null);
    void tick();
    return () => { stop = true; clearTimeout(timer); };
  }, [id, role]);

  const followUp = async (body: SubmitTask) => {
    const created = ok(await client.POST('/v1/tasks', { body }));
    location.hash = `#/task/${created.id}`;
  };

  if (error && !task) return <p role="alert" class="error">{error}</p>;
  if (!task) return <p>Loading…</p>;
  const out = task.output;
  const prompt = 'prompt' in task.input ? task.input.prompt : undefined;
  return (
    <article class="task" aria-labelledby="task-title">
      <p><a href="#/">← back</a></p>
      <h1 id="task-title">{task.action} <StatusBadge task={task} /></h1>
      {prompt && <p class="prompt-full">{prompt}</p>}
      {task.parentId && <p>From <a href={`#/task/${task.parentId}`}>{task.parentId}</a></p>}
      {task.status === 'failed' && task.error && (
        <p role="alert" class="error">Failed ({task.error.code}): {task.error.message}</p>
      )}
      {out?.gridImageUrl && (
        <figure><img class="grid" src={out.gridImageUrl} alt={`Grid of ${task.id}`} /><figcaption>Grid</figcaption></figure>
      )}
      {out && out.imageUrls.length > 0 && (
        <ol class="images" aria-label="Images">
          {out.imageUrls.map((u, i) => <li key={u}><a href={u} target="_blank" rel="noreferrer noopener"><img src={u} alt={`Image ${i + 1}`} loading="lazy" /></a></li>)}
        </ol>
      )}
      {out && out.videoUrls.map((u) => <video key={u} src={u} controls preload="metadata" />)}
      {out && out.prompts.length > 0 && <ol class="described">{out.prompts.map((p) => <li key={p}>{p}</li>)}</ol>}
      {role === 'tenant' && task.status === 'succeeded' && <FollowUps task={task} submit={followUp} />}
      <section aria-labelledby="facts">
        <h2 id="facts">Details</h2>
        <dl class="facts">
          <dt>Id</dt><dd>{task.id}</dd>
          <dt>Provider</dt><dd>{task.provider ?? '—'}</dd>
          <dt>Cost</dt><dd>{task.cost ? `${usd(task.cost.amountUsd)}${task.cost.reported ? '' : ' (estimate)'}` : '—'}</dd>
          <dt>Created</dt><dd>{new Date(task.createdAt).toLocaleString()}</dd>
        </dl>
        <h3>Attempts</h3>
        {task.attempts.length === 0 ? <p>None yet.</p> : (
          <table><thead><tr><th>Provider</th><th>At</th><th>Outcome</th><th>Error</th></tr></thead>
            <tbody>{task.attempts.map((a, i) => <tr key={i}><td>{a.provider}</td><td>{new Date(a.at).toLocaleTimeString()}</td><td>{a.outcome}</td><td>{a.error ?? ''}</td></tr>)}</tbody>
          </table>
        )}
        {role === 'tenant' && (
          <>
            <h3>Webhook deliveries</h3>
            {deliveries.length === 0 ? <p>None.</p> : (
              <ul>{deliveries.map((d) => <li key={d.id}>{d.type} → {d.url}: {d.state} ({d.attempts.length} attempt{d.attempts.length === 1 ? '' : 's'})</li>)}</ul>
            )}
          </>
        )}
        <details><summary>JSON</summary><pre>{JSON.stringify(task, null, 2)}</pre></details>
      </section>
    </article>
  );
}
