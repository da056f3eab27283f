/** A grid that renders only the rows near the viewport, so a gallery of thousands of tasks stays smooth. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

interface Props<T> {
  items: T[];
  /** Height of one row (a card plus the gap), in px. */
  rowHeight: number;
  minColumnWidth: number;
  render: (item: T) => ComponentChildren;
  keyOf: (item: T) => string;
  /** Called when the last rendered row is near the end (load the next page). */
  onNearEnd?: () => void;
}

export function VirtualGrid<T>({ items, rowHeight, minColumnWidth, render, keyOf, onNearEnd }: Props<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800, width: 1000 });
  useEffect(() => {
    const measure = () => {
      const el = box.current;
      if (!el) return;
      const r = el.getBoundingClientRect();
      setView({ top: -r.top, height: innerHeight, width: r.width });
    };
    measure();
    addEventListener('scroll', measure, { passive: true });
    addEventListener('resize', measure);
    return () => {
      removeEventListener('scroll', measure);
      removeEventListener('resize', measure);
    };
  }, []);
  const columns = Math.max(1, Math.floor(view.width / minColumnWidth));
  const rows = Math.ceil(items.length / columns);
  const first = Math.max(0, Math.floor(view.top / rowHeight) - 2);
  const last = Math.min(rows, Math.ceil((view.top + view.height) / rowHeight) + 2);
  useEffect(() => {
    if (onNearEnd && last >= rows - 2) onNearEnd();
  }, [last, rows, onNearEnd]);
  const visible = items.slice(first * columns, last * columns);
  return (
    <div ref={box} class="vgrid" style={{ height: `${rows * rowHeight}px` }}>
      <ul class="cards" style={{ transform: `translateY(${first * rowHeight}px)`, gridTemplateColumns: `repeat(${columns}, 1fr)` }}>
        {visible.map((item) => <li key={keyOf(item)}>{render(item)}</li>)}
      </ul>
    </div>
  );
}
