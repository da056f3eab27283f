/** The buttons under a finished task: U1–U4 / V1–V4 / reroll on a grid; zoom, pan, video on a single image; vary region on both. */
import { useState } from 'preact/hooks';
import type { SubmitTask, Task } from '../api';
import { MaskEditor } from './mask';

export function FollowUps({ task, submit }: { task: Task; submit: (body: SubmitTask) => Promise<void> }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [masking, setMasking] = useState<number | null>(null);
  const images = task.output?.imageUrls ?? [];
  const grid = images.length === 4;
  const taskId = task.id;
  const send = async (body: SubmitTask) => {
    setBusy(true);
    setError(null);
    try {
      await submit(body);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const run = (body: SubmitTask) => () => void send(body);
  const idx = [1, 2, 3, 4] as const;
  if (images.length === 0) return null;
  return (
    <section aria-labelledby="followups" class="followups">
      <h2 id="followups">Next</h2>
      {grid ? (
        <>
          <div role="group" aria-label="Upscale">{idx.map((i) => <button key={i} disabled={busy} onClick={run({ action: 'upscale', taskId, index: i })}>U{i}</button>)}</div>
          <div role="group" aria-label="Variation">{idx.map((i) => <button key={i} disabled={busy} onClick={run({ action: 'variation', taskId, index: i })}>V{i}</button>)}</div>
          <div role="group" aria-label="More">
            <button disabled={busy} onClick={run({ action: 'reroll', taskId })}>Reroll</button>
            {idx.map((i) => <button key={i} disabled={busy} onClick={() => setMasking(i)}>Vary region {i}</button>)}
          </div>
        </>
      ) : (
        <div role="group" aria-label="More">
          <button disabled={busy} onClick={run({ action: 'zoom', taskId, index: 1, scale: 1.5 })}>Zoom out 1.5×</button>
          <button disabled={busy} onClick={run({ action: 'zoom', taskId, index: 1, scale: 2 })}>Zoom out 2×</button>
          {(['left', 'right', 'up', 'down'] as const).map((d) => <button key={d} disabled={busy} onClick={run({ action: 'pan', taskId, index: 1, direction: d })}>Pan {d}</button>)}
          <button disabled={busy} onClick={() => setMasking(1)}>Vary region</button>
          <button disabled={busy} onClick={run({ action: 'video', taskId, index: 1 })}>Video</button>
        </div>
      )}
      {masking !== null && (
        <MaskEditor
          imageUrl={images[masking - 1]!}
          onCancel={() => setMasking(null)}
          onSubmit={(area, prompt) => run({ action: 'inpaint', taskId, index: masking as 1, mask: { areas: [area] }, ...(prompt ? { prompt } : {}) })()}
        />
      )}
      {error && <p role="alert" class="error">{error}</p>}
    </section>
  );
}
