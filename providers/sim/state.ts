/**
 * A simulator's state: its jobs and their clock (pending → running → done), the behaviour and queued faults it was
 * told to serve, and the log of what the gateway sent. The HTTP side is in kit.ts.
 */
import { randomUUID } from 'node:crypto';

/**
 * How a job ends. `never` keeps it running forever; `vanish` makes the job unknown (404) after submit; `cancel` ends
 * it cancelled on the provider's side (APIMart only: the others document no such status).
 */
export type Outcome =
  | { kind: 'succeed' }
  | { kind: 'fail'; message: string; code?: number | string; content?: boolean }
  | { kind: 'cancel'; message?: string }
  | { kind: 'never' }
  | { kind: 'vanish' };

/**
 * Wire forms the vendors document beside the usual one, served on request (each simulator reads its own):
 * - `legnext-staged`: a pending job is read back as `staged` (pending → staged → processing);
 * - `legnext-error-wrapped`: error bodies come as `{error: {code, message, raw_message, detail}}` (the OpenAPI form);
 * - `apimart-not-start`: a pending task reads `NOT_START` on the MJ-style query;
 * - `apimart-code-in-200`: a refused request answers HTTP 200 with the refusal's body `code` and `message`;
 * - `apimart-url-string`: the unified query gives each image's `url` as one string (A3b) instead of an array (A3a).
 */
export const WIRE_VARIANTS = ['legnext-staged', 'legnext-error-wrapped', 'apimart-not-start', 'apimart-code-in-200', 'apimart-url-string'] as const;
export type WireVariant = (typeof WIRE_VARIANTS)[number];

/** A fault served instead of the normal answer, `times` times (default 1). */
export interface Fault {
  on: 'submit' | 'poll' | 'any';
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Never answer (until the client gives up). */
  hang?: boolean;
  /** Answer 200 with a body that is not JSON. */
  malformed?: boolean;
  /** With reset/hang on submit: create the job first (the upstream accepted it, the answer was lost). */
  acceptFirst?: boolean;
  times?: number;
}

export interface Behaviour {
  /** Delay before each answer. */
  latencyMs: number;
  /** Time from submit to the job's end. */
  jobDurationMs: number;
  /** Share of the duration spent pending before running. */
  pendingShare: number;
  outcome: Outcome;
  /** Documented alternative wire forms to serve (default none). */
  variants: WireVariant[];
}

export interface SimJob {
  id: string;
  action: string;
  body: Record<string, unknown>;
  createdAt: number;
  durationMs: number;
  outcome: Outcome;
  callback?: string;
  callbackSent: boolean;
  polls: number;
  /** Provider-specific extras (e.g. a parent id, a MODAL step). */
  extra: Record<string, unknown>;
}

export interface RecordedRequest { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: unknown; at: number }

export type JobPhase = 'pending' | 'running' | 'done';

export const DEFAULT_BEHAVIOUR: Behaviour = { latencyMs: 0, jobDurationMs: 200, pendingShare: 0.25, outcome: { kind: 'succeed' }, variants: [] };

/**
 * Prompt directives let a human steer a single job from a curl line: `[sim:fail]`, `[sim:banned]`, `[sim:never]`,
 * `[sim:slow]` (ten times the duration).
 */
export function outcomeFromText(text: string | undefined, fallback: Outcome): { outcome: Outcome; slow: boolean } {
  const t = text ?? '';
  const slow = t.includes('[sim:slow]');
  if (t.includes('[sim:banned]')) return { outcome: { kind: 'fail', message: 'Banned Prompt: the prompt was refused by moderation', code: 10000, content: true }, slow };
  if (t.includes('[sim:fail]')) return { outcome: { kind: 'fail', message: 'Generation process failed', code: 500 }, slow };
  if (t.includes('[sim:never]')) return { outcome: { kind: 'never' }, slow };
  return { outcome: fallback, slow };
}

export class SimState {
  behaviour: Behaviour = { ...DEFAULT_BEHAVIOUR };
  readonly jobs = new Map<string, SimJob>();
  readonly requests: RecordedRequest[] = [];
  faults: Fault[] = [];
  /** Output files are served by this simulator (`/files/...`) instead of pointing at a CDN that does not exist. */
  serveFiles = false;
  /** Size of each served image file (bytes, padded PNG); 0: a small picture. */
  fileBytes = 0;
  /** Files are sent half, then held until `releaseFiles()` (a download cut off mid-body). */
  stallFiles = false;
  /** Downloads held so far. */
  stalledFiles = 0;
  private fileWaiters: Array<() => void> = [];

  /** Resolves when held downloads may finish. */
  heldFile(): Promise<void> {
    this.stalledFiles++;
    return new Promise((resolve) => this.fileWaiters.push(resolve));
  }

  releaseFiles(): void {
    this.stallFiles = false;
    for (const release of this.fileWaiters.splice(0)) release();
  }
  /** Jobs in flight at once (started, not done), for concurrency assertions. */
  maxInFlight = 0;
  /** The account a balance endpoint reports (USD, and the threshold below which it says "low"). */
  account = { balanceUsd: 72.048, alertThresholdUsd: 10 };

  reset(): void {
    this.behaviour = { ...DEFAULT_BEHAVIOUR };
    this.jobs.clear();
    this.requests.length = 0;
    this.faults = [];
    this.maxInFlight = 0;
    this.account = { balanceUsd: 72.048, alertThresholdUsd: 10 };
  }

  /** Whether this documented wire variant is to be served now. */
  serves(variant: WireVariant): boolean {
    return this.behaviour.variants.includes(variant);
  }

  takeFault(on: 'submit' | 'poll'): Fault | undefined {
    const i = this.faults.findIndex((f) => f.on === on || f.on === 'any');
    if (i < 0) return undefined;
    const fault = this.faults[i]!;
    const left = (fault.times ?? 1) - 1;
    if (left <= 0) this.faults.splice(i, 1);
    else this.faults[i] = { ...fault, times: left };
    return fault;
  }

  createJob(action: string, body: Record<string, unknown>, text: string | undefined, callback?: string, id: string = randomUUID()): SimJob {
    const { outcome, slow } = outcomeFromText(text, this.behaviour.outcome);
    const job: SimJob = {
      id, action, body, createdAt: Date.now(), outcome, callback, callbackSent: false, polls: 0, extra: {},
      durationMs: this.behaviour.jobDurationMs * (slow ? 10 : 1),
    };
    this.jobs.set(job.id, job);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight());
    return job;
  }

  phase(job: SimJob, now = Date.now()): JobPhase {
    if (job.outcome.kind === 'never') return now - job.createdAt < job.durationMs * this.behaviour.pendingShare ? 'pending' : 'running';
    const elapsed = now - job.createdAt;
    if (elapsed >= job.durationMs) return 'done';
    return elapsed < job.durationMs * this.behaviour.pendingShare ? 'pending' : 'running';
  }

  /** 0–100 progress by the clock. */
  progress(job: SimJob, now = Date.now()): number {
    const phase = this.phase(job, now);
    if (phase === 'done') return 100;
    if (phase === 'pending') return 0;
    return Math.min(99, Math.floor(((now - job.createdAt) / job.durationMs) * 100));
  }

  inFlight(now = Date.now()): number {
    let n = 0;
    for (const job of this.jobs.values()) if (this.phase(job, now) !== 'done') n++;
    return n;
  }

  /** Ends a job now with its outcome (or the given one). */
  finish(id: string, outcome?: Outcome): SimJob | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (outcome) job.outcome = outcome;
    if (job.outcome.kind === 'never') job.outcome = { kind: 'succeed' };
    job.durationMs = Math.max(0, Date.now() - job.createdAt);
    return job;
  }
}
