/** The configured providers, each with its adapter on one shared undici Agent. */
import { Agent } from 'undici';
import { PROVIDERS } from '../../providers/index.js';
import { ProviderError, type CanonicalRequest, type ProviderAdapter } from '../../providers/types.js';
import { ConfigError, type Config, type ProviderConfig } from '../config.js';
import type { RouteCandidate } from '../domain/routing.js';

export interface ProviderEntry { config: ProviderConfig; adapter: ProviderAdapter }

export class ProviderRegistry {
  readonly entries = new Map<string, ProviderEntry>();
  readonly dispatcher: Agent;

  /** `observe` sees every adapter call (submit or poll) with its duration and outcome: `ok` or the error class. */
  constructor(config: Config, private readonly observe?: (provider: string, endpoint: 'submit' | 'poll', outcome: string, seconds: number) => void) {
    this.dispatcher = new Agent({ connections: 128, keepAliveTimeout: 30_000, connectTimeout: 10_000 });
    const problems: string[] = [];
    config.providers.forEach((p, i) => {
      try {
        const adapter = PROVIDERS[p.type].create({ id: p.id, apiKey: p.apiKey, baseUrl: p.baseUrl, timeoutMs: p.timeoutMs, dispatcher: this.dispatcher, options: p.options });
        this.entries.set(p.id, { config: p, adapter: this.instrument(adapter) });
      } catch (err) {
        // Adapters check their type-specific options when built: report them like any other bad key.
        problems.push(`providers.${i}.options: ${(err as Error).message}`);
      }
    });
    if (problems.length) throw new ConfigError(problems);
  }

  private instrument(adapter: ProviderAdapter): ProviderAdapter {
    const observe = this.observe;
    if (!observe) return adapter;
    const timed = <T>(endpoint: 'submit' | 'poll', call: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const done = (outcome: string) => observe(adapter.id, endpoint, outcome, (performance.now() - started) / 1000);
      return call().then(
        (v) => (done('ok'), v),
        (err: unknown) => {
          done(err instanceof ProviderError ? err.kind : 'bug');
          throw err;
        },
      );
    };
    return { ...adapter, submit: (input) => timed('submit', () => adapter.submit(input)), poll: (input) => timed('poll', () => adapter.poll(input)) };
  }

  get(id: string): ProviderEntry | undefined {
    return this.entries.get(id);
  }

  /** Why this provider cannot run the request (config restriction or adapter capability), or null. */
  unsupported(entry: ProviderEntry, req: CanonicalRequest): string | null {
    if (entry.config.actions && !entry.config.actions.includes(req.action)) return `${req.action} is not enabled for this provider`;
    return entry.adapter.unsupported(req);
  }

  candidates(req: CanonicalRequest): RouteCandidate[] {
    return [...this.entries.values()].map((e) => ({ id: e.config.id, priority: e.config.priority, weight: e.config.weight, unsupported: this.unsupported(e, req) }));
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
