/** `npm run openapi:write` regenerates openapi/openapi.json; `npm run openapi:check` fails when it has drifted. */
import { readFileSync, writeFileSync } from 'node:fs';
import { generateOpenApi } from '../src/openapi.js';

const path = new URL('../openapi/openapi.json', import.meta.url);
const fresh = await generateOpenApi();
if (process.argv.includes('--write')) {
  writeFileSync(path, fresh);
  console.log('openapi/openapi.json written');
} else {
  let committed = '';
  try {
    committed = readFileSync(path, 'utf8');
  } catch {
    /* missing counts as drift */
  }
  if (committed !== fresh) {
    console.error('openapi/openapi.json differs from what the app generates: run `npm run openapi:write` and commit it');
    process.exit(1);
  }
  console.log('openapi/openapi.json is up to date');
}
