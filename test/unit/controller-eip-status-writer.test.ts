import type { CoreV1Event } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { EipValidity } from '../../src/controller/decide-eip.js';
import { deferWhileBusy } from '../../src/controller/deferred-events.js';
import { EipStatusWriter } from '../../src/controller/eip-status-writer.js';
import type { EipObject, Reader } from '../../src/controller/objects.js';
import type { PoolStatus } from '../../src/ipam/index.js';
import type { WriteResult } from '../../src/kube/status.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  parseListenAddress,
  startObservabilityServer,
  type ObservabilityServer,
} from '../../src/observability/http.js';
import { Metrics } from '../../src/observability/metrics.js';
import { FakeClock } from '../support/fake-clock.js';

function reader(objects: Map<string, EipObject>): Reader<EipObject> {
  return {
    get: (k) => objects.get(k),
    getByName: (n) => objects.get(n),
    list: () => [...objects.values()],
    hasSynced: () => true,
  };
}

function pool(used: Record<string, string>): PoolStatus {
  return {
    eip: 'p',
    family: 'IPv4',
    v4: true,
    firstIP: '10.0.0.0',
    lastIP: '10.0.255.255',
    size: 65536n,
    reserved: 2n,
    nodeAddresses: 0,
    inUse: Object.keys(used).length,
    available: 65534n - BigInt(Object.keys(used).length),
    occupied: false,
    used,
    disabled: false,
    deleting: false,
    revision: Object.keys(used).length,
  };
}

function setup(validity: EipValidity = { kind: 'valid' }, busy?: () => boolean) {
  const clock = new FakeClock();
  const objects = new Map<string, EipObject>([['p', { metadata: { name: 'p', generation: 1 }, status: {} }]]);
  let used: Record<string, string> = {};
  const writes: object[] = [];
  const invalid: string[] = [];
  let answer: WriteResult['kind'] = 'ok';
  const writer = new EipStatusWriter({
    eips: reader(objects),
    source: { validity: () => validity, pool: () => pool(used) },
    write: (_name, patch) => {
      writes.push(patch);
      return Promise.resolve(
        answer === 'ok' ? { kind: 'ok', object: {} } : { kind: 'error', reason: 'http_500', message: 'boom' },
      );
    },
    onInvalid: (_eip, v) => invalid.push(v.reason),
    clock,
    intervalMs: 500,
    ...(busy === undefined ? {} : { busy }),
    log: silentLogger(),
  });
  const ac = new AbortController();
  const running = writer.run(ac.signal);
  return {
    clock,
    writer,
    writes,
    invalid,
    objects,
    setUsed: (u: Record<string, string>) => (used = u),
    fail: (yes: boolean) => (answer = yes ? 'error' : 'ok'),
    stop: async () => {
      ac.abort();
      await running;
    },
  };
}

let stopper: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopper?.();
  stopper = undefined;
});

describe('EipStatusWriter', () => {
  it('coalesces 10,000 allocations within one interval into one write', async () => {
    const t = setup();
    stopper = t.stop;
    const used: Record<string, string> = {};
    t.setUsed(used);
    for (let i = 0; i < 10_000; i++) {
      used[`10.0.${i >> 8}.${i & 255}`] = `ns/s${i}`; // what each allocation does to the pool
      t.writer.markDirty('p');
    }
    await t.clock.advance(500);
    expect(t.writes).toHaveLength(1);
    expect((t.writes[0] as { status: { usage: number } }).status.usage).toBe(10_000);
  });

  it('does not write when nothing changed, and writes removed IPs as null', async () => {
    const t = setup();
    stopper = t.stop;
    t.setUsed({ '10.0.0.1': 'ns/a', '10.0.0.2': 'ns/b' });
    t.writer.markDirty('p');
    await t.clock.advance(500);
    t.writer.markDirty('p');
    await t.clock.advance(500);
    expect(t.writes).toHaveLength(1);
    t.setUsed({ '10.0.0.2': 'ns/b' });
    t.writer.markDirty('p');
    await t.clock.advance(500);
    expect(t.writes).toHaveLength(2);
    expect((t.writes[1] as { status: { used: Record<string, string | null> } }).status.used).toEqual({
      '10.0.0.2': 'ns/b',
      '10.0.0.1': null,
    });
  });

  it('retries a failed write at the next flush', async () => {
    const t = setup();
    stopper = t.stop;
    t.fail(true);
    t.setUsed({ '10.0.0.1': 'ns/a' });
    t.writer.markDirty('p');
    await t.clock.advance(500);
    t.fail(false);
    await t.clock.advance(500);
    expect(t.writes).toHaveLength(2);
    await t.clock.advance(500);
    expect(t.writes).toHaveLength(2);
  });

  it('backs off while writes keep failing (one interval, doubling to 30 s), and writes soon after they work', async () => {
    const t = setup();
    stopper = t.stop;
    t.fail(true);
    t.setUsed({ '10.0.0.1': 'ns/a' });
    t.writer.markDirty('p');
    await t.clock.advance(60_000);
    // Attempts at 0.5, 1, 2, 4, 8, 16 and 32 s; once per flush (every 500 ms) would be 120.
    expect(t.writes).toHaveLength(7);
    t.fail(false);
    await t.clock.advance(2_000); // the next attempt is due at 62 s
    expect(t.writes).toHaveLength(8);
    // A success resets the backoff: the next failure is retried one interval later.
    t.fail(true);
    t.setUsed({ '10.0.0.2': 'ns/b' });
    t.writer.markDirty('p');
    await t.clock.advance(1_000);
    expect(t.writes).toHaveLength(10);
  });

  it('reports an invalid Eip once per reason', async () => {
    const t = setup({ kind: 'invalid', reason: 'AddressOverlap', message: 'overlaps q' });
    stopper = t.stop;
    t.writer.markDirty('p');
    await t.clock.advance(500);
    t.writer.markDirty('p');
    await t.clock.advance(500);
    expect(t.invalid).toEqual(['AddressOverlap']);
    expect(t.writes).toHaveLength(1);
  });

  it('while the Service queue is busy, coalesces more but writes a change within maxLagMs (4 intervals)', async () => {
    let busy = true;
    const t = setup({ kind: 'valid' }, () => busy);
    stopper = t.stop;
    await t.clock.advance(250);
    t.setUsed({ '10.0.0.1': 'ns/a' });
    t.writer.markDirty('p'); // at 250: ticks up to 1500 are early, the one at 2000 is the last in time
    await t.clock.advance(250);
    expect(t.writes).toHaveLength(0);
    for (let i = 2; i < 50; i++) {
      t.setUsed({ '10.0.0.1': 'ns/a', [`10.0.0.${String(i)}`]: `ns/s${String(i)}` });
      t.writer.markDirty('p'); // more changes keep coming: they do not postpone the first one
      await t.clock.advance(30);
    }
    await t.clock.advance(60); // 2000
    expect(t.writes).toHaveLength(1);
    // A continuous burst is written once per maxLagMs, not once per interval.
    t.setUsed({ '10.0.0.1': 'ns/a', '10.0.0.49': 'ns/s49', '10.0.0.60': 'ns/c' });
    t.writer.markDirty('p');
    await t.clock.advance(1500);
    expect(t.writes).toHaveLength(1);
    await t.clock.advance(500);
    expect(t.writes).toHaveLength(2);
    // The informer caught up with those writes.
    t.objects.set('p', {
      metadata: { name: 'p', generation: 1 },
      status: { used: { '10.0.0.1': 'ns/a', '10.0.0.49': 'ns/s49', '10.0.0.60': 'ns/c' } },
    });
    t.setUsed({ '10.0.0.1': 'ns/a', '10.0.0.49': 'ns/s49', '10.0.0.60': 'ns/c', '10.0.0.50': 'ns/b' });
    t.writer.markDirty('p');
    busy = false;
    await t.clock.advance(500);
    expect(t.writes).toHaveLength(3);
    // The last patch carries only the new entry: the server and the cache hold the others.
    expect((t.writes[2] as { status: { used: Record<string, string> } }).status.used).toEqual({
      '10.0.0.50': 'ns/b',
    });
  });

  it('honours a custom maxLagMs while busy', async () => {
    const clock = new FakeClock();
    const writes: object[] = [];
    const eip: EipObject = { metadata: { name: 'p', generation: 1 }, status: {} };
    const writer = new EipStatusWriter({
      eips: reader(new Map([['p', eip]])),
      source: { validity: () => ({ kind: 'valid' }), pool: () => pool({ '10.0.0.1': 'ns/a' }) },
      write: (_name, patch) => {
        writes.push(patch);
        return Promise.resolve({ kind: 'ok', object: {} });
      },
      onInvalid: () => undefined,
      clock,
      intervalMs: 100,
      busy: () => true,
      maxLagMs: 400,
      log: silentLogger(),
    });
    const ac = new AbortController();
    const running = writer.run(ac.signal);
    stopper = async () => {
      ac.abort();
      await running;
    };
    writer.markDirty('p');
    await clock.advance(300);
    expect(writes).toHaveLength(0);
    await clock.advance(100);
    expect(writes).toHaveLength(1);
  });

  it('writes nothing after the signal aborts', async () => {
    const t = setup();
    await t.stop();
    t.setUsed({ '10.0.0.1': 'ns/a' });
    t.writer.markDirty('p');
    await t.clock.advance(2000);
    expect(t.writes).toHaveLength(0);
  });
});

describe('observability endpoint', () => {
  let server: ObservabilityServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('parses listen addresses', () => {
    expect(parseListenAddress(':50052')).toEqual({ host: '0.0.0.0', port: 50052 });
    expect(parseListenAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseListenAddress('8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListenAddress(':99999')).toHaveProperty('error');
    expect(parseListenAddress('localhost:http')).toHaveProperty('error');
  });

  it('serves /metrics, /healthz and /readyz following the readiness check', async () => {
    const metrics = new Metrics();
    metrics.gauge({ name: 'openelb_test_gauge', help: 'test' }).set(3);
    let ready = false;
    server = await startObservabilityServer('127.0.0.1', 0, { metrics, ready: () => ready });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('openelb_test_gauge 3');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

const ev = (reason: string, recordedAt: number): CoreV1Event => ({
  metadata: {},
  involvedObject: {},
  reason,
  firstTimestamp: new Date(recordedAt),
  lastTimestamp: new Date(recordedAt),
});

describe('deferWhileBusy', () => {
  function setup(): {
    clock: FakeClock;
    written: string[];
    w: ReturnType<typeof deferWhileBusy>;
    setBusy: (b: boolean) => void;
    stop: AbortController;
  } {
    const clock = new FakeClock();
    const written: string[] = [];
    const inner = {
      create: (_ns: string, e: { reason?: string }) => {
        written.push(e.reason ?? '');
        return Promise.resolve({ kind: 'ok' as const, object: {} });
      },
      patch: (_ns: string, name: string) => {
        written.push(`patch ${name}`);
        return Promise.resolve({ kind: 'ok' as const, object: {} });
      },
    };
    let busy = true;
    const stop = new AbortController();
    const w = deferWhileBusy(inner, {
      busy: () => busy,
      clock,
      maxDelayMs: 1000,
      pollMs: 50,
      signal: stop.signal,
    });
    return { clock, written, w, setBusy: (b) => (busy = b), stop };
  }

  it('holds an Event while the Service queue is busy and writes it once the queue is idle', async () => {
    const { clock, written, w, setBusy } = setup();
    const first = w.create('default', ev('A', clock.now()));
    await clock.advance(500);
    expect(written).toEqual([]);
    setBusy(false);
    await clock.advance(50);
    await first;
    expect(written).toEqual(['A']);
  });

  it('writes an Event that is maxDelayMs old even while busy, counted from when it was recorded', async () => {
    const { clock, written, w } = setup();
    // Recorded 800 ms ago (it waited in the recorder's queue): 200 ms of waiting are left.
    const old = w.create('default', ev('old', clock.now() - 800));
    await clock.advance(150);
    expect(written).toEqual([]);
    await clock.advance(100);
    await old;
    expect(written).toEqual(['old']);
    // Already older than the bound: no wait at all, however busy the queue stays.
    await w.create('default', ev('older', clock.now() - 5000));
    expect(written).toEqual(['old', 'older']);
    // An update is aged by its lastTimestamp.
    await w.patch('default', 'e1', { count: 2, lastTimestamp: new Date(clock.now() - 1000).toISOString() });
    expect(written).toEqual(['old', 'older', 'patch e1']);
  });

  it('writes nothing after the stop', async () => {
    const { clock, written, w, stop } = setup();
    const pending = w.create('default', ev('A', clock.now()));
    stop.abort();
    expect(await pending).toMatchObject({ kind: 'error', reason: 'stopped' });
    expect(await w.create('default', ev('B', clock.now()))).toMatchObject({
      kind: 'error',
      reason: 'stopped',
    });
    expect(written).toEqual([]);
  });
});
