/** What the packaging tests share: the repository root and the image's start command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname;

/** The runtime stage's CMD (exec form), as an argument list. */
export function imageCommand(): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  return cmd ? (JSON.parse(cmd[1]!) as string[]) : [];
}
