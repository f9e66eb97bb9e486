// The layer2 reporter turns address claims into Warnings on the Services holding the IP: once per (IP, MAC)
// per window, and for at most a few hosts per IP, so spoofed ARP with random MACs cannot flood the API.
import { describe, expect, it } from 'vitest';
import type { EventRecorder } from '../../src/kube/events.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { DesiredLayer2 } from '../../src/speaker/desired-layer2.js';
import {
  ADDRESS_CONFLICT_REASON,
  CONFLICT_HOSTS_PER_IP,
  CONFLICT_REPEAT_MS,
  Layer2Reporter,
} from '../../src/speaker/layer2-events.js';

const IP = '192.0.2.200';

function setup(): { reporter: Layer2Reporter; events: string[]; clock: { now: number } } {
  const events: string[] = [];
  const clock = { now: 0 };
  const recorder = {
    record: (obj: { name?: string }, type: string, reason: string, message: string) => {
      // The message up to the IP: "node1: another host, <mac> on <nic>, also uses <ip>".
      events.push(`${obj.name ?? ''} ${type} ${reason} ${message.slice(0, message.indexOf(IP) + IP.length)}`);
    },
  } as unknown as EventRecorder;
  const reporter = new Layer2Reporter({
    nodeName: 'node1',
    events: recorder,
    log: silentLogger(),
    services: () => [],
    now: () => clock.now,
  });
  const desired = {
    owned: [{ ip: IP, nic: 'eth0', services: ['default/web', 'default/dns'] }],
    problems: [],
  } as unknown as DesiredLayer2;
  reporter.report(desired, []);
  return { reporter, events, clock };
}

const claim = (mac: string) => ({ ip: IP, mac, evidence: 'arp-request' as const });

describe('Layer2Reporter.conflict', () => {
  it('warns on every Service holding the IP, once per host and window', () => {
    const { reporter, events, clock } = setup();
    reporter.conflict('eth0', claim('02:00:5e:00:53:01'));
    reporter.conflict('eth0', claim('02:00:5e:00:53:01'));
    expect(events).toEqual([
      `web Warning ${ADDRESS_CONFLICT_REASON} node1: another host, 02:00:5e:00:53:01 on eth0, also uses ${IP}`,
      `dns Warning ${ADDRESS_CONFLICT_REASON} node1: another host, 02:00:5e:00:53:01 on eth0, also uses ${IP}`,
    ]);
    clock.now = CONFLICT_REPEAT_MS - 1;
    reporter.conflict('eth0', claim('02:00:5e:00:53:01'));
    expect(events).toHaveLength(2);
    clock.now = CONFLICT_REPEAT_MS;
    reporter.conflict('eth0', claim('02:00:5e:00:53:01'));
    expect(events).toHaveLength(4);
  });

  it('reports a bounded number of hosts per IP: random spoofed MACs do not flood the API', () => {
    const { reporter, events, clock } = setup();
    for (let i = 0; i < 100; i++)
      reporter.conflict('eth0', claim(`02:00:5e:00:54:${i.toString(16).padStart(2, '0')}`));
    expect(events).toHaveLength(CONFLICT_HOSTS_PER_IP * 2);
    // The window ends: room for new hosts again.
    clock.now = CONFLICT_REPEAT_MS;
    reporter.conflict('eth0', claim('02:00:5e:00:55:01'));
    expect(events).toHaveLength(CONFLICT_HOSTS_PER_IP * 2 + 2);
  });

  it('an IP this node no longer answers for has no Service to warn', () => {
    const { reporter, events } = setup();
    reporter.report({ owned: [], problems: [] } as unknown as DesiredLayer2, []);
    reporter.conflict('eth0', claim('02:00:5e:00:53:01'));
    expect(events).toEqual([]);
  });
});
