// Nodes' own addresses on the local API: an Eip carved from the nodes' subnet never hands them out,
// says so (Event, Ready condition), refuses a request for one, keeps a Service that held one before,
// and hands an address out again once no Node has it.
import type { V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  OPT_IN,
  startHarness,
  type Harness,
  type RunningController,
} from './controller-harness.js';

let h: Harness;
let running: RunningController;

beforeAll(async () => {
  h = await startHarness();
  for (const [name, address] of [
    ['worker-1', '192.168.10.2'],
    ['worker-2', '192.168.10.3'],
  ] as const) {
    await h.core.createNode({ body: node(name, address) });
  }
  running = h.start();
});

/** The value of an Eip's gauge in the controller's registry. */
async function gauge(name: string, eip: string): Promise<number | undefined> {
  const metric = (await running.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => v.labels['eip'] === eip)?.value;
}

afterAll(async () => {
  await h.stop();
});

function node(name: string, internal: string, external?: string): V1Node {
  const addresses = [
    { type: 'InternalIP', address: internal },
    { type: 'Hostname', address: name },
    ...(external === undefined ? [] : [{ type: 'ExternalIP', address: external }]),
  ];
  return { metadata: { name }, status: { addresses } };
}

async function setAddresses(name: string, internal: string, external?: string): Promise<void> {
  const current = await h.core.readNode({ name });
  current.status ??= {};
  current.status.addresses = node(name, internal, external).status?.addresses ?? [];
  await h.core.replaceNodeStatus({ name, body: current });
}

async function readyMessage(eip: string): Promise<string> {
  const conds = ((await h.eip(eip))?.status?.['conditions'] ?? []) as { type: string; message: string }[];
  return conds.find((c) => c.type === 'Ready')?.message ?? '';
}

describe("Nodes' own addresses", () => {
  it("an Eip over the nodes' subnet skips their addresses and says so", async () => {
    await h.createEip(
      'lan',
      { address: '192.168.10.0/29' },
      { 'eip.openelb.kubesphere.io/is-default-eip': 'true' },
    );
    const message = await h.waitForEvent('default', 'lan', 'NodeAddressesInRange');
    expect(message).toContain('192.168.10.2 (Node worker-1), 192.168.10.3 (Node worker-2)');
    const got: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      await h.createService('default', name);
      got.push(...(await h.waitForIps('default', name)));
    }
    expect(got).toEqual(['192.168.10.1', '192.168.10.4', '192.168.10.5', '192.168.10.6']);
    await h.createService('default', 'e');
    expect(await h.waitForEvent('default', 'e', 'AssignIPFailed')).toContain(
      "(2 of its addresses are Nodes' own, never handed out)",
    );
    await eventually('Ready condition names the node addresses', async () =>
      (await readyMessage('lan')).includes("2 addresses are Nodes' own"),
    );
    // The Eip status is written coalesced: the condition may land in an earlier write than the usage.
    await eventually(
      'Eip status counts the 4 Services',
      async () => (await h.eip('lan'))?.status?.['usage'] === 4,
    );
    expect((await h.eip('lan'))?.status).toMatchObject({ poolSize: 8, usage: 4, occupied: true });
    // Exhaustion is "available is 0": in use never reaches the total of 8 here.
    await eventually(
      'gauges',
      async () => (await gauge('openelb_allocator_addresses_available', 'lan')) === 0,
    );
    expect(await gauge('openelb_allocator_addresses_total', 'lan')).toBe(8);
    expect(await gauge('openelb_allocator_addresses_in_use_total', 'lan')).toBe(4);
  });

  it('a request for a node address is refused with the node named', async () => {
    await h.createService('default', 'wants-node', {
      annotations: { ...OPT_IN, 'eip.openelb.kubesphere.io/v1alpha1': '192.168.10.3' },
    });
    const message = await h.waitForEvent('default', 'wants-node', 'AssignIPFailed');
    expect(message).toMatch(/192\.168\.10\.3 is the address of Node worker-2/);
    expect(await h.ipsOf('default', 'wants-node')).toEqual([]);
  });

  it('a Service keeps an IP that became a node address; an address a node gives up is handed out again', async () => {
    // worker-1 gets 192.168.10.4 (held by b) as its ExternalIP: b keeps it, nothing moves.
    await setAddresses('worker-1', '192.168.10.2', '192.168.10.4');
    await h.waitForEvent('default', 'lan', 'NodeAddressesInRange', /192\.168\.10\.4 \(Node worker-1\)/);
    expect(await h.ipsOf('default', 'b')).toEqual(['192.168.10.4']);
    // Its owners are told on the Service itself.
    await h.waitForEvent(
      'default',
      'b',
      'IPIsNodeAddress',
      /^192\.168\.10\.4 is now an address of Node worker-1: /,
    );
    // worker-2 moves off the Eip's range: its old address goes to the pending Service.
    await setAddresses('worker-2', '10.9.9.9');
    expect(await h.waitForIps('default', 'e')).toEqual(['192.168.10.3']);
    expect(await h.ipsOf('default', 'b')).toEqual(['192.168.10.4']);
  });
});
