/** Small pieces shared by the gallery and the task page. */
import type { Task } from '../api';

export const FINAL = new Set(['succeeded', 'failed', 'canceled']);

export function thumbnailOf(t: Task): string | null {
  return t.output?.gridImageUrl ?? t.output?.imageUrls?.[0] ?? null;
}

export function StatusBadge({ task }: { task: Task }) {
  const running = !FINAL.has(task.status);
  return (
    <span class={`badge s-${task.status}`}>
      {task.status}{running && task.progress > 0 ? ` ${Math.round(task.progress)}%` : ''}
    </span>
  );
}

export const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;
