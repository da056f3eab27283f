/** Gateway ids: a sortable time part and 96 random bits, so they are unguessable and list newest-first by text. */
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

function encodeRandom(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31]!;
  return out;
}

/** CSPRNG bytes drawn 4 KiB at a time (one system call per ~200 ids instead of one per id). */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
function randomChunk(n: number): Buffer {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

let lastMs = 0;
let seq = 0;

/** `tsk_` + 10 chars of time + 4 chars of per-process sequence + 20 random chars (100 bits). */
export function newTaskId(now = Date.now()): string {
  seq = now === lastMs ? seq + 1 : 0;
  lastMs = now;
  const s = encodeTime(seq).slice(-4);
  return `tsk_${encodeTime(now)}${s}${encodeRandom(randomChunk(20))}`;
}

/** The smallest id at time `ms`: ids below it are older. */
export const taskIdFloor = (ms: number) => `tsk_${encodeTime(ms)}`;

export const randomToken = (bytes = 24) => randomBytes(bytes).toString('base64url');
