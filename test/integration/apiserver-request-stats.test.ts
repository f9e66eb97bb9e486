import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ port: 0 });
});

afterAll(async () => {
  await api.stop();
});

interface Row {
  client: string;
  method: string;
  resource: string;
  count: number;
}

const call = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${api.url}${path}`, {
    ...init,
    headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
  });

describe('GET /__lab/requests', () => {
  it('counts requests per client, verb and resource, and POST resets the tally', async () => {
    await call('/__lab/requests', { method: 'POST' });
    await call('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: JSON.stringify({ metadata: { name: 'tally' }, data: { a: '1' } }),
    });
    await call('/api/v1/namespaces/default/configmaps/tally');
    await call('/api/v1/namespaces/default/configmaps/tally');
    const report = (await (await call('/__lab/requests')).json()) as { rows: Row[] };
    const of = (method: string, resource: string): number =>
      report.rows
        .filter((r) => r.method === method && r.resource === resource)
        .reduce((s, r) => s + r.count, 0);
    expect(of('POST', 'configmaps')).toBe(1);
    expect(of('GET', 'configmaps')).toBe(2);
    // The tally's own requests are not counted.
    expect(report.rows.some((r) => r.resource === 'requestStats')).toBe(false);

    await call('/__lab/requests', { method: 'POST' });
    const reset = (await (await call('/__lab/requests')).json()) as { rows: Row[] };
    expect(reset.rows).toEqual([]);
  });
});
