/** The prompt box: an imagine with its options (speed, aspect ratio, image prompts by URL). */
import { useState } from 'preact/hooks';
import { client, ok, type Task } from '../api';
import { ImagePrompts, MAX_IMAGES } from './image-prompts';

const ASPECTS = ['1:1', '16:9', '9:16', '3:2', '2:3', '4:5'];

export function PromptBox({ onSubmitted }: { onSubmitted: (t: Task) => void }) {
  const [prompt, setPrompt] = useState('');
  const [speed, setSpeed] = useState('');
  const [aspect, setAspect] = useState('1:1');
  const [images, setImages] = useState('');
  const [files, setFiles] = useState<string[]>([]);
  const [status, setStatus] = useState<{ error?: string; done?: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setStatus(null);
    const imageUrls = [...files, ...images.split(/\s+/).filter(Boolean)].slice(0, MAX_IMAGES);
    const text = aspect === '1:1' || /--ar\s/.test(prompt) ? prompt.trim() : `${prompt.trim()} --ar ${aspect}`;
    try {
      const task = ok(await client.POST('/v1/tasks', {
        body: { action: 'imagine', prompt: text, ...(speed ? { speed: speed as 'fast' } : {}), ...(imageUrls.length ? { imageUrls } : {}) },
      }));
      onSubmitted(task);
      setPrompt('');
      setFiles([]);
      setStatus({ done: `Submitted ${task.id}` });
    } catch (err) {
      setStatus({ error: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="prompt-box" onSubmit={(e) => void submit(e)} aria-labelledby="new-title">
      <h2 id="new-title">New image</h2>
      <label for="prompt">Prompt</label>
      <textarea id="prompt" rows={3} required maxLength={8192} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} placeholder="a lighthouse at dusk" />
      <div class="options">
        <label>Speed
          <select value={speed} onChange={(e) => setSpeed(e.currentTarget.value)}>
            <option value="">default</option><option value="relax">relax</option><option value="fast">fast</option><option value="turbo">turbo</option>
          </select>
        </label>
        <label>Aspect ratio
          <select value={aspect} onChange={(e) => setAspect(e.currentTarget.value)}>
            {ASPECTS.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label class="grow">Image prompts (URLs, one per line)
          <textarea rows={1} value={images} onInput={(e) => setImages(e.currentTarget.value)} />
        </label>
      </div>
      <ImagePrompts images={files} onChange={setFiles} />
      <button type="submit" disabled={busy || !prompt.trim()}>Imagine</button>
      <p role="status" class={status?.error ? 'error' : 'ok'}>{status?.error ?? status?.done ?? ''}</p>
    </form>
  );
}
