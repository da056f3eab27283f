/**
 * Redis calls on the request path (a task's create and read, the rate limit's Lua call): built here and written
 * together, once per turn of the event loop or once 16 KB of them are waiting, whichever comes first.
 *
 * Why not ioredis's own commands with auto-pipelining, which every other call uses:
 * - an auto-pipeline sends nothing while the answers of the batch in flight are still coming, so calls made meanwhile
 *   wait a whole Redis turn before they are even sent;
 * - every call's arguments go through `Array.prototype.flat` (in ioredis's Command), which V8 runs element by element
 *   on its slow path: for the create's 24 arguments that cost more than the rest of the call on the client.
 * Here the calls of one loop turn (every request read from the sockets that were ready) are queued, and written as one
 * string in one socket write from a setImmediate callback, which runs once those sockets have all been served; or
 * sooner, as soon as the queued arguments reach FLUSH_BYTES: Redis reads a client's socket 16 KB at a time and answers
 * what it has read before it reads on, so a batch past that size only makes the first commands wait for the requests
 * behind them, while Redis could already run them (measured: +12 % POST throughput at 50 connections; reads, a few
 * dozen bytes each, never reach it).
 * Answers come back in order on the connection, as for any command; while it is down, ioredis refuses the commands or
 * queues them, as the connection's options say (the API's connection refuses: the request is answered 503).
 * Arguments are strings: ioredis converts other values when a command is built, which here is before it has any.
 */
import { Command, type Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { Script } from './lua.js';

const NO_ARGS: string[] = [];
/** Queued argument characters (≈ bytes: keys, ids and JSON are ASCII but for a prompt's) that send the batch at once. */
export const FLUSH_BYTES = 16 * 1024;

const isNoScript = (err: unknown) => err instanceof Error && err.message.startsWith('NOSCRIPT');

/** Commands written once per loop turn (see the file comment). */
export class TurnBatch {
  private queued: Command[] = [];
  private queuedBytes = 0;
  /** While a batch is flushed, what its commands write is gathered here and sent in one write. */
  private gathering = false;
  private gathered = '';
  /**
   * The stream the batch's commands are sent through: ioredis's hook for pipelines, which writes each command to it
   * and keeps it with the command, to write the command again through it when the connection is re-established
   * (that write goes straight to the connection).
   */
  private readonly sink: Exclude<Parameters<Redis['sendCommand']>[1], undefined>;

  constructor(private readonly redis: Redis) {
    this.sink = {
      isPipeline: true,
      destination: { redis },
      write: (chunk: string | Buffer) => {
        if (this.gathering && typeof chunk === 'string') this.gathered += chunk;
        else {
          this.writeGathered();
          redis.stream.write(chunk);
        }
      },
    };
  }

  /** Sends `name` with `args` (strings) in this turn's batch; the answer as ioredis gives it (bulk strings as UTF-8). */
  send<T>(name: string, args: string[]): Promise<T> {
    // Built empty, then given its arguments: the constructor would copy them through `flat` (see above).
    const cmd = new Command(name, NO_ARGS, { replyEncoding: 'utf8' });
    cmd.args = args;
    if (this.queued.push(cmd) === 1) setImmediate(this.flush);
    let bytes = this.queuedBytes;
    for (let i = 0; i < args.length; i++) bytes += args[i]!.length;
    this.queuedBytes = bytes;
    if (bytes >= FLUSH_BYTES) this.flush();
    return cmd.promise as Promise<T>;
  }

  private writeGathered(): void {
    if (this.gathered === '') return;
    const data = this.gathered;
    this.gathered = '';
    this.redis.stream.write(data);
  }

  private readonly flush = () => {
    const batch = this.queued;
    if (batch.length === 0) return; // sent early (FLUSH_BYTES); this turn's callback finds nothing left
    this.queued = [];
    this.queuedBytes = 0;
    this.gathering = true;
    try {
      // A command the connection cannot take now is refused or queued by ioredis, and writes nothing here.
      for (const cmd of batch) void this.redis.sendCommand(cmd, this.sink);
    } finally {
      this.gathering = false;
      this.writeGathered();
    }
  };
}

const batches = new WeakMap<Redis, TurnBatch>();

/** The connection's TurnBatch: every request-path call on one connection shares it (one write per turn or per 16 KB). */
export function turnBatchOf(redis: Redis): TurnBatch {
  let batch = batches.get(redis);
  if (batch === undefined) {
    batch = new TurnBatch(redis);
    batches.set(redis, batch);
  }
  return batch;
}

/**
 * A Lua script called through a TurnBatch. A NOSCRIPT answer (Redis restarted, or its scripts were flushed) ran
 * nothing; the call is then sent again with the script's text (EVAL), which loads it.
 */
export class HotScript<I, R> {
  private readonly sha: string;
  private readonly lua: string;

  constructor(private readonly batch: TurnBatch, private readonly keys: Keys, private readonly script: Script<I, R>) {
    this.sha = script.source.sha;
    this.lua = script.source.lua;
  }

  /** Runs the script with the input its builder takes. */
  call(input: I): Promise<R> {
    const { keys, argv } = this.script.build(this.keys, input);
    // One array, filled in place: this runs for every create and rate-limit call.
    const args = new Array<string>(2 + keys.length + argv.length);
    args[0] = this.sha;
    args[1] = String(keys.length);
    for (let i = 0; i < keys.length; i++) args[2 + i] = keys[i]!;
    for (let i = 0; i < argv.length; i++) args[2 + keys.length + i] = argv[i]!;
    return this.batch
      .send<R>('evalsha', args)
      .catch((err: unknown) => (isNoScript(err) ? this.batch.send<R>('eval', [this.lua, ...args.slice(1)]) : Promise.reject(err as Error)));
  }
}
