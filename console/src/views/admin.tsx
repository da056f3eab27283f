/** Admin: providers with their circuits and load, and the queues. */
import { client, ok } from '../api';
import { usePolled } from './poll';

const loadProviders = async () => ok(await client.GET('/admin/providers')).data;
const loadQueues = async () => ok(await client.GET('/admin/queues'));
/** The newest failed tasks of every tenant, with their cause. */
async function loadFailures() {
  const tenants = ok(await client.GET('/admin/tenants')).data;
  const pages = await Promise.all(tenants.map(async (t) => {
    const page = ok(await client.GET('/admin/tenants/{id}/tasks', { params: { path: { id: t.id }, query: { status: 'failed', limit: 10 } } }));
    return page.data.map((task) => ({ tenant: t.id, task }));
  }));
  return pages.flat().sort((a, b) => (a.task.id < b.task.id ? 1 : -1)).slice(0, 20);
}
const pct = (n: number | null) => (n === null ? '—' : `${Math.round(n * 100)}%`);

export function AdminProviders() {
  const { data, error } = usePolled(loadProviders);
  return (
    <section aria-labelledby="providers-title">
      <h1 id="providers-title">Providers</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {data && (
        <div class="scroll"><table>
          <thead><tr><th scope="col">Provider</th><th scope="col">Circuit</th><th scope="col">In flight / max</th><th scope="col">Waiting</th><th scope="col">Recent errors</th></tr></thead>
          <tbody>
            {data.map((p) => (
              <tr key={p.id}>
                <th scope="row">{p.id} <small>{p.type}, priority {p.priority}</small></th>
                <td><span class={`circuit c-${p.circuit.state}`}>{p.circuit.state.replace('_', '-')}</span>{p.circuit.reason ? ` (${p.circuit.reason})` : ''}{p.circuit.openUntil ? ` until ${new Date(p.circuit.openUntil).toLocaleTimeString()}` : ''}</td>
                <td>{p.inFlight} / {p.maxConcurrency}</td>
                <td>{p.waiting}</td>
                <td>{pct(p.recent.errorRate)} of {p.recent.submits} in {p.recent.windowSeconds} s</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
    </section>
  );
}

export function AdminQueues() {
  const { data, error } = usePolled(loadQueues);
  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {data && (
        <>
          <div class="scroll"><table>
            <thead><tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Active</th><th scope="col">Delayed</th><th scope="col">Failed</th></tr></thead>
            <tbody>{data.queues.map((q) => <tr key={q.name}><th scope="row">{q.name}</th><td>{q.waiting}</td><td>{q.active}</td><td>{q.delayed}</td><td>{q.failed}</td></tr>)}</tbody>
          </table></div>
          <p>Upstream reads: {data.reads.due} due, {data.reads.running} running, {data.reads.scheduled} scheduled.</p>
          <p>Oldest task waiting for a slot: {data.oldestWaitingSeconds === null ? 'none waits' : `${Math.round(data.oldestWaitingSeconds)} s`}.</p>
          {data.waitingRoom.length > 0 && (
            <ul>{data.waitingRoom.map((w) => <li key={`${w.provider}/${w.tenant}`}>{w.tenant} waits for {w.provider}: {w.waiting}</li>)}</ul>
          )}
        </>
      )}
      <RecentFailures />
    </section>
  );
}

function RecentFailures() {
  const { data, error } = usePolled(loadFailures, 10_000);
  return (
    <>
      <h2>Recent failures</h2>
      {error && <p role="alert" class="error">{error}</p>}
      {data && data.length === 0 && <p>None.</p>}
      {data && data.length > 0 && (
        <ul>
          {data.map(({ tenant, task }) => (
            <li key={task.id}>
              <a href={`#/task/${task.id}`}>{task.id}</a> ({tenant}, {task.action}, {task.provider ?? 'no provider'}): {task.error?.code}: {task.error?.message}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
