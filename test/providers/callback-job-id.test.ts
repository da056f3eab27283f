/** Which upstream job a provider's callback body names (only used to tell orphan jobs apart; never trusted beyond). */
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { createAggregatorAdapter } from '../../providers/aggregator/index.js';
import { createLegnextAdapter } from '../../providers/legnext/index.js';

const opts = { id: 'p', apiKey: 'k', timeoutMs: 1000, dispatcher: new Agent() };

describe('callbackJobId', () => {
  it('reads Legnext\'s { timestamp, data: <job> } and a bare job', () => {
    const legnext = createLegnextAdapter(opts);
    expect(legnext.callbackJobId?.({ timestamp: 1, data: { job_id: 'lg-1', status: 'completed' } })).toBe('lg-1');
    expect(legnext.callbackJobId?.({ job_id: 'lg-2' })).toBe('lg-2');
  });

  it('reads the aggregator\'s task id, or a relayed Legnext job', () => {
    const agg = createAggregatorAdapter(opts);
    expect(agg.callbackJobId?.({ id: 'task_9', status: 'completed' })).toBe('task_9');
    expect(agg.callbackJobId?.({ data: { job_id: 'lg-3' } })).toBe('lg-3');
  });

  it('names no job for bodies without one, or with something that is no id', () => {
    const legnext = createLegnextAdapter(opts);
    for (const body of [undefined, null, 'text', [], {}, { data: [] }, { job_id: '' }, { job_id: { a: 1 } }, { job_id: 'x'.repeat(201) }]) {
      expect(legnext.callbackJobId?.(body)).toBeNull();
    }
  });
});
