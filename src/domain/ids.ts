/** Gateway ids: a sortable time part and 100 random bits, so they are unguessable and list newest-first by text. */
import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: sorts like the numbers it encodes

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/** CSPRNG bytes drawn 4 KiB at a time (one system call per ~200 ids instead of one per id). */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
/** Where the next `n` unused random bytes start in `pool`. */
function takeRandom(n: number): number {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += n;
  return poolAt - n;
}

let lastMs = 0;
let seq = 0;
const CODES = Buffer.from(ALPHABET, 'latin1');
/** An id is written into this buffer as ASCII and read out once: no string is built a character at a time. */
const ID = Buffer.from('tsk_'.padEnd(38, '0'), 'latin1');

/** The `len` lowest base-32 digits of `n`, most significant first, at `at` in ID. */
function putDigits(n: number, at: number, len: number): void {
  for (let i = at + len - 1; i >= at; i--) {
    ID[i] = CODES[n % 32]!;
    n = Math.floor(n / 32);
  }
}

/** `tsk_` + 10 chars of time + 4 chars of per-process sequence + 20 random chars (5 bits each, 100 bits in all). */
export function newTaskId(now = Date.now()): string {
  seq = now === lastMs ? seq + 1 : 0;
  lastMs = now;
  putDigits(now, 4, 10);
  putDigits(seq, 14, 4);
  const r = takeRandom(20);
  for (let i = 0; i < 20; i++) ID[18 + i] = CODES[pool[r + i]! & 31]!;
  return ID.toString('latin1');
}

/** The smallest id at time `ms`: ids below it are older. */
export const taskIdFloor = (ms: number) => `tsk_${encodeTime(ms)}`;

export const randomToken = (bytes = 24) => randomBytes(bytes).toString('base64url');
