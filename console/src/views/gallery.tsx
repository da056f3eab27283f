/** The tenant's home: a prompt box and a live gallery of its tasks, newest first. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { client, ok, type Task } from '../api';
import { PromptBox } from './prompt-box';
import { StatusBadge, thumbnailOf } from './task-bits';
import { VirtualGrid } from './virtual-grid';

const FIRST_PAGE = 30;
const PAGE = 100;
const REFRESH_MS = 2000;

/** Newer answers replace older copies; the list stays newest first (ids sort by time). */
function merge(current: Task[], fresh: Task[]): Task[] {
  const byId = new Map(current.map((t) => [t.id, t]));
  for (const t of fresh) byId.set(t.id, t);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
}

export function Gallery() {
  const [tasks, setTasks] = useState<Task[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const cursor = useRef<string | null | undefined>(undefined);
  const loading = useRef(false);

  const refresh = useCallback(async () => {
    try {
      const page = ok(await client.GET('/v1/tasks', { params: { query: { limit: FIRST_PAGE } } }));
      setTasks((cur) => merge(cur, page.data));
      if (cursor.current === undefined) cursor.current = page.nextCursor;
      setLoaded(true);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);

  const more = useCallback(async () => {
    if (loading.current || !cursor.current) return;
    loading.current = true;
    try {
      const page = ok(await client.GET('/v1/tasks', { params: { query: { limit: PAGE, cursor: cursor.current } } }));
      cursor.current = page.nextCursor;
      setTasks((cur) => merge(cur, page.data));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      loading.current = false;
    }
  }, []);

  useEffect(() => {
    void refresh();
    // Polling keeps the gallery live; an open tab in the background does not poll.
    const timer = setInterval(() => { if (!document.hidden) void refresh(); }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  return (
    <>
      <PromptBox onSubmitted={(t) => setTasks((cur) => merge(cur, [t]))} />
      <section aria-labelledby="gallery-title">
        <h2 id="gallery-title">Your tasks {loaded && <small>({tasks.length}{cursor.current ? '+' : ''})</small>}</h2>
        {error && <p role="alert" class="error">{error}</p>}
        {loaded && tasks.length === 0 && <p>No tasks yet: write a prompt above.</p>}
        <VirtualGrid items={tasks} rowHeight={262} minColumnWidth={180} keyOf={(t) => t.id} onNearEnd={() => void more()} render={(t) => <Card task={t} />} />
      </section>
    </>
  );
}

function Card({ task }: { task: Task }) {
  const thumb = thumbnailOf(task);
  const text = ('prompt' in task.input ? task.input.prompt : undefined) ?? task.action;
  return (
    <a class="card" href={`#/task/${task.id}`}>
      <div class="thumb">{thumb && <img src={thumb} alt="" loading="lazy" decoding="async" width={256} height={256} />}</div>
      <span class="meta">{task.action} <StatusBadge task={task} /></span>
      <p class="prompt">{text}</p>
    </a>
  );
}
