/** Pieces of the request path that replace library calls: they must answer exactly what those calls answer. */
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

const { RequestHistogram } = await import('../../src/services/request-histogram.js');

describe('RequestHistogram', () => {
  const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  const observations: Array<[string, string, number, number]> = [
    ['/v1/tasks/:id', 'GET', 200, 0.0004], ['/v1/tasks/:id', 'GET', 200, 0.005], ['/v1/tasks/:id', 'GET', 200, 0.0050001],
    ['/v1/tasks/:id', 'GET', 404, 0.2], ['/v1/tasks', 'POST', 202, 1], ['/v1/tasks', 'POST', 202, 31], ['/v1/tasks', 'POST', 429, 0],
    ['unknown', 'GET', 404, 30], ['/v1/tasks/:id', 'HEAD', 200, 10.5], ['/v1/tasks/:id', 'GET', 200, 2.5],
  ];

  it('exports what a prom-client Histogram with the same observations exports, as text and as JSON', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({ name: 'mjg_http_request_duration_seconds', help: 'HTTP requests', labelNames: ['route', 'method', 'status'], buckets: BOUNDS, registers: [theirs] });
    const fast = new RequestHistogram('mjg_http_request_duration_seconds', 'HTTP requests', BOUNDS, ours);
    for (const [route, method, status, s] of observations) {
      reference.observe({ route, method, status }, s);
      fast.observe(route, method, status, s);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // prom-client's JSON also carries `exemplar` (null: exemplars are off); the rest must be the same.
    const noExemplars = (json: unknown) => JSON.parse(JSON.stringify(json, (k, v) => (k === 'exemplar' ? undefined : v)));
    expect(noExemplars(await ours.getMetricsAsJSON())).toEqual(noExemplars(await theirs.getMetricsAsJSON()));
    expect(await ours.metrics()).toContain('mjg_http_request_duration_seconds_count{route="/v1/tasks/:id",method="GET",status="200"} 4');
  });

  it('starts again from nothing after reset, and refuses a second metric of its name', async () => {
    const registry = new Registry();
    const fast = new RequestHistogram('mjg_x_seconds', 'x', [1, 2], registry);
    fast.observe('/a', 'GET', 200, 1.5);
    fast.reset();
    fast.observe('/b', 'GET', 200, 3);
    const text = await registry.metrics();
    expect(text).not.toContain('route="/a"');
    expect(text).toContain('mjg_x_seconds_bucket{le="2",route="/b",method="GET",status="200"} 0');
    expect(text).toContain('mjg_x_seconds_bucket{le="+Inf",route="/b",method="GET",status="200"} 1');
    expect(() => new RequestHistogram('mjg_x_seconds', 'x', [1], registry)).toThrow(/already been registered/);
  });
});
