// Copies what the compiled code reads at run time next to it: the Lua scripts (src/store/lua → <out>/src/store/lua).
// Usage: node scripts/build-assets.mjs [outDir]   (default: dist, the build's outDir)
import { cpSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const to = resolve(root, process.argv[2] ?? 'dist', 'src/store/lua');
rmSync(to, { recursive: true, force: true });
cpSync(resolve(root, 'src/store/lua'), to, { recursive: true });
