/**
 * Vary region: drag a rectangle on the image (or type it in percent, for the keyboard); it is sent as a polygon in
 * the image's pixel space (at least 500 px a side, as the API asks).
 */
import { useRef, useState } from 'preact/hooks';

export interface MaskArea { width: number; height: number; points: number[] }
interface Rect { x: number; y: number; w: number; h: number }

const clamp = (n: number) => Math.min(100, Math.max(0, n));

/** The rectangle (percent of the image) as the API's polygon in an image space of at least 500 px a side. */
export function toArea(r: Rect, naturalW: number, naturalH: number): MaskArea {
  const scale = Math.min(4096 / Math.max(naturalW, naturalH), Math.max(1, 500 / Math.min(naturalW, naturalH)));
  const width = Math.round(naturalW * scale);
  const height = Math.round(naturalH * scale);
  const X = (p: number) => Math.round((p / 100) * width);
  const Y = (p: number) => Math.round((p / 100) * height);
  const [x1, y1, x2, y2] = [X(r.x), Y(r.y), X(r.x + r.w), Y(r.y + r.h)];
  return { width, height, points: [x1, y1, x2, y1, x2, y2, x1, y2] };
}

export function MaskEditor({ imageUrl, onSubmit, onCancel }: { imageUrl: string; onSubmit: (a: MaskArea, prompt: string) => void; onCancel: () => void }) {
  const [rect, setRect] = useState<Rect>({ x: 25, y: 25, w: 50, h: 50 });
  const [prompt, setPrompt] = useState('');
  const img = useRef<HTMLImageElement>(null);
  const start = useRef<{ x: number; y: number } | null>(null);

  const at = (e: PointerEvent) => {
    const b = img.current!.getBoundingClientRect();
    return { x: clamp(((e.clientX - b.left) / b.width) * 100), y: clamp(((e.clientY - b.top) / b.height) * 100) };
  };
  const down = (e: PointerEvent) => {
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    start.current = at(e);
  };
  const move = (e: PointerEvent) => {
    if (!start.current) return;
    const p = at(e);
    const s = start.current;
    setRect({ x: Math.min(s.x, p.x), y: Math.min(s.y, p.y), w: Math.abs(p.x - s.x), h: Math.abs(p.y - s.y) });
  };
  const field = (k: keyof Rect, label: string) => (
    <label>{label} %<input type="number" min={0} max={100} value={Math.round(rect[k])} onInput={(e) => setRect({ ...rect, [k]: clamp(Number(e.currentTarget.value)) })} /></label>
  );
  const send = (e: Event) => {
    e.preventDefault();
    const el = img.current!;
    onSubmit(toArea(rect, el.naturalWidth || 1024, el.naturalHeight || 1024), prompt.trim());
  };
  return (
    <form class="mask" onSubmit={send} aria-label="Vary region">
      <div class="mask-stage" data-testid="mask-stage" onPointerDown={down} onPointerMove={move} onPointerUp={() => { start.current = null; }}>
        <img ref={img} src={imageUrl} alt="The image to vary: drag to select the region" draggable={false} />
        <div class="mask-rect" style={{ left: `${rect.x}%`, top: `${rect.y}%`, width: `${rect.w}%`, height: `${rect.h}%` }} />
      </div>
      <fieldset><legend>Region</legend>{field('x', 'Left')}{field('y', 'Top')}{field('w', 'Width')}{field('h', 'Height')}</fieldset>
      <label for="mask-prompt">Prompt for the region (optional)</label>
      <input id="mask-prompt" value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />
      <button type="submit" disabled={rect.w < 1 || rect.h < 1}>Run vary region</button>
      <button type="button" onClick={onCancel}>Cancel</button>
    </form>
  );
}
