/**
 * The gateway's Lua scripts: `lua/<name>-<numberOfKeys>.lua` (or `lua/<name>.lua` when the key count varies), each
 * opening with a comment that names its KEYS, ARGV and reply. A line `--- @include "<fragment>"` is replaced by
 * `lua/includes/<fragment>.lua` (each fragment at most once per script). Files are read once, when a store first
 * needs them; the build copies the folder next to the compiled code.
 *
 * A script is called through a typed builder (`defineScript`): a function from a named input (and the key builder)
 * to its keys and arguments, so no call site spells out positions or sentinels. `runScript` sends EVALSHA and, when Redis does not
 * know the script (a restart, SCRIPT FLUSH), EVAL with its text, which also loads it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

const DIR = new URL('./lua/', import.meta.url);
const INCLUDE = /^--- @include "([a-z0-9-]+)"\s*$/gm;

export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
  /** From the file name; null when the script takes a variable number of keys. */
  readonly numberOfKeys: number | null;
}

const fileOf = (name: string) => readdirSync(DIR).find((f) => f === `${name}.lua` || new RegExp(`^${name}-\\d+\\.lua$`).test(f));

/** Reads a script and inlines its includes. */
export function loadLua(name: string): LuaScript {
  const file = fileOf(name);
  if (!file) throw new Error(`no Lua script ${name} in ${DIR.pathname}`);
  const seen = new Set<string>();
  const lua = readFileSync(new URL(file, DIR), 'utf8').replace(INCLUDE, (_, fragment: string) => {
    if (seen.has(fragment)) return '';
    seen.add(fragment);
    return readFileSync(new URL(`includes/${fragment}.lua`, DIR), 'utf8');
  });
  const keys = /-(\d+)\.lua$/.exec(file)?.[1];
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex'), numberOfKeys: keys === undefined ? null : Number(keys) };
}

/** Every script in the folder, by name (tests check each one's header and builder against its file). */
export function scriptNames(): string[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.lua')).map((f) => f.replace(/(-\d+)?\.lua$/, '')).sort();
}

export interface ScriptCall { keys: string[]; argv: string[] }

/** A script with its typed builder: `I` is the named input, `R` the reply as ioredis gives it. */
export interface Script<I, R> {
  readonly name: string;
  /** Loaded on first use. */
  readonly source: LuaScript;
  build(keys: Keys, input: I): ScriptCall;
  /** Only a type marker for the reply. */
  readonly reply?: R;
}

/** Declares a script by file name and the function that turns its input into keys and arguments. */
export function defineScript<I, R>(name: string, build: (keys: Keys, input: I) => ScriptCall): Script<I, R> {
  let source: LuaScript | undefined;
  return {
    name,
    get source() {
      return (source ??= loadLua(name));
    },
    build,
  };
}

const isNoScript = (err: unknown) => err instanceof Error && err.message.startsWith('NOSCRIPT');

/** Runs a script on a connection: EVALSHA, then EVAL if Redis does not hold it. */
export async function runScript<I, R>(redis: Redis, k: Keys, script: Script<I, R>, input: I): Promise<R> {
  const { keys, argv } = script.build(k, input);
  const { sha, lua } = script.source;
  try {
    return (await redis.evalsha(sha, keys.length, ...keys, ...argv)) as R;
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return (await redis.eval(lua, keys.length, ...keys, ...argv)) as R;
  }
}

/** A number or null as a script argument ('' stands for "none" in every script that takes one). */
export const optional = (v: number | string | null | undefined): string => (v === null || v === undefined ? '' : String(v));
