/** The images the client flows send (PNG data URLs, as chatgpt-web does), and a gateway config that stores them. */
import { makePng } from '../../providers/sim/png.js';
import { freePort } from '../helpers/gateway.js';
import { dataUrl, MEDIA_SECRET, tempMediaDir } from '../helpers/media.js';

export const IMAGE = makePng(24, 16, 'fox');
export const MASK = makePng(24, 16, 'mask');
export const IMAGES = { image: dataUrl('image/png', IMAGE), mask: dataUrl('image/png', MASK) };

/** A local media store in a temp directory, and the gateway options that use it (its own port, so a public URL). */
export async function mediaGateway(): Promise<{ options: { config: Record<string, unknown> }; remove(): Promise<void> }> {
  const store = await tempMediaDir();
  const port = await freePort();
  return {
    options: { config: { port, publicUrl: `http://127.0.0.1:${port}`, media: { store: 'local', dir: store.dir, signingSecret: MEDIA_SECRET, mirror: false } } },
    remove: () => store.remove(),
  };
}
