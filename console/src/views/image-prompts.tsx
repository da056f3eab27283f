/**
 * Image prompts from files: picked, dropped or pasted, read as `data:` URLs; the gateway stores them in its media
 * store and puts its own links in the task (needs a `media:` block; otherwise the submit answers 422 saying so).
 */
import { useEffect } from 'preact/hooks';

export const MAX_IMAGES = 5;

const readAsDataUrl = (f: File) => new Promise<string>((resolve, reject) => {
  const r = new FileReader();
  r.onload = () => resolve(r.result as string);
  r.onerror = () => reject(r.error ?? new Error(`cannot read ${f.name}`));
  r.readAsDataURL(f);
});

export function ImagePrompts({ images, onChange }: { images: string[]; onChange: (next: string[]) => void }) {
  const add = async (files: Iterable<File>) => {
    const picked = [...files].filter((f) => f.type.startsWith('image/'));
    const urls = await Promise.all(picked.map(readAsDataUrl));
    onChange([...images, ...urls].slice(0, MAX_IMAGES));
  };
  // Paste anywhere on the page adds the pasted images.
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = [...(e.clipboardData?.files ?? [])];
      if (files.length) void add(files);
    };
    addEventListener('paste', onPaste);
    return () => removeEventListener('paste', onPaste);
  });
  return (
    <div
      class="drop"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => { e.preventDefault(); void add(e.dataTransfer?.files ?? []); }}
    >
      <label for="image-files">Image prompts: drop, paste or choose files (up to {MAX_IMAGES})</label>
      <input id="image-files" type="file" accept="image/png,image/jpeg,image/webp,image/gif" multiple onChange={(e) => { void add(e.currentTarget.files ?? []); e.currentTarget.value = ''; }} />
      {images.length > 0 && (
        <ul class="picked" aria-label="Image prompts">
          {images.map((u, i) => (
            <li key={i}>
              <img src={u} alt={`Image prompt ${i + 1}`} width={64} height={64} />
              <button type="button" onClick={() => onChange(images.filter((_, j) => j !== i))}>Remove image {i + 1}</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
