/**
 * The other checkout of an A/B run (`npm run bench -- --ab=<git-ref>` or `--ab-dir=<path>`): the code gateway A is
 * started from. For a ref, a detached git worktree of it next to this checkout (`../ab-<short sha>`), with this
 * checkout's node_modules symlinked into it, removed again at the end (and when the bench process exits early).
 * Dependencies are this checkout's whatever the other checkout's package-lock.json says: a difference is reported,
 * never installed. For a directory, its own node_modules if it has one (else this checkout's, linked for the run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ROOT } from './proc.js';

export interface Checkout {
  dir: string;
  /** What it is: `<ref> (<short sha>)` or the directory. */
  what: string;
  /** True when its package-lock.json differs from this checkout's (it still runs with this checkout's packages). */
  lockDiffers: boolean;
  /** Removes what was created for the run (the worktree, or the node_modules link); safe to call twice. */
  remove(): void;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();

function lockDiffers(dir: string): boolean {
  const read = (d: string) => {
    try {
      return readFileSync(join(d, 'package-lock.json'), 'utf8');
    } catch {
      return '';
    }
  };
  return read(dir) !== read(ROOT);
}

/** Links this checkout's node_modules (its real directory) into `dir`; returns the link's path. */
function linkModules(dir: string): string {
  const link = join(dir, 'node_modules');
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), link, 'dir');
  return link;
}

/** Removal that also runs if the bench process exits without reaching its `finally` (a signal, an uncaught error). */
function onExit(remove: () => void): () => void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    process.removeListener('exit', once);
    remove();
  };
  process.once('exit', once);
  return once;
}

function registeredWorktrees(): string[] {
  return git(ROOT, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice(9));
}

function removeWorktree(dir: string): void {
  const link = join(dir, 'node_modules');
  try {
    if (lstatSync(link).isSymbolicLink()) rmSync(link);
  } catch {
    // no link
  }
  try {
    git(ROOT, 'worktree', 'remove', '--force', dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
    try {
      git(ROOT, 'worktree', 'prune');
    } catch {
      // nothing to prune
    }
  }
}

/** A detached worktree of `ref` (any commit-ish), ready to run `node --import tsx src/main.ts` in. */
export function worktreeOf(ref: string): Checkout {
  let sha: string;
  try {
    sha = git(ROOT, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new Error(`--ab=${ref}: not a commit of this repository`);
  }
  const short = sha.slice(0, 7);
  const dir = join(dirname(ROOT), `ab-${short}`);
  if (existsSync(dir)) {
    // A worktree an earlier A/B run left behind (killed with SIGKILL) is ours to replace; anything else is not.
    if (!registeredWorktrees().includes(dir)) throw new Error(`${dir} exists and is no worktree of this repository: remove it or use --ab-dir`);
    removeWorktree(dir);
  }
  git(ROOT, 'worktree', 'add', '--detach', dir, sha);
  const remove = onExit(() => removeWorktree(dir));
  try {
    linkModules(dir);
  } catch (err) {
    remove();
    throw err;
  }
  return { dir, what: `${ref} (${short})`, lockDiffers: lockDiffers(dir), remove };
}

/** An existing checkout of the gateway, used as it is. */
export function existingCheckout(path: string): Checkout {
  const dir = resolve(path);
  if (!existsSync(join(dir, 'src', 'main.ts'))) throw new Error(`--ab-dir=${path}: no src/main.ts in ${dir}`);
  if (realpathSync(dir) === realpathSync(ROOT)) throw new Error(`--ab-dir=${path} is this checkout: A and B would be the same code`);
  const linked = existsSync(join(dir, 'node_modules')) ? undefined : linkModules(dir);
  const remove = onExit(() => {
    if (linked) rmSync(linked, { force: true });
  });
  return { dir, what: dir, lockDiffers: lockDiffers(dir), remove };
}
