// The client's leg on the LAN, for Layer2 mode ("the lab nodes share a LAN segment with the client"): a second
// veth of oelb-client on br-lan, so the client resolves Service IPs itself with ARP/NDP instead of going
// through the router. Added to a running lab; `down` removes it with the namespaces. Kept out of `up` so the
// BGP topology (client behind the router) stays as it is.
import type { Iface, LabPlan } from './plan.js';
import { labMac } from './plan.js';
import { must } from './sh.js';

/** The client's LAN interface: 192.0.2.100/24, 2001:db8:0:1::100/64, MAC 02:00:00:01:00:64. */
export const CLIENT_LAN: Iface = {
  name: 'eth1',
  mac: labMac(1, 100),
  v4: '192.0.2.100',
  v4Len: 24,
  v6: '2001:db8:0:1::100',
  v6Len: 64,
};

/** The client's port on br-lan (in oelb-lan). */
export const CLIENT_LAN_PORT = 'p-client';

/**
 * Plug the client into br-lan. The LAN subnets are then reached directly on that leg (the routes through the
 * router are replaced); the Service pools stay routed through the router, and no default route is added.
 */
export async function addClientLanLeg(plan: LabPlan): Promise<void> {
  const { client, lan } = plan.ns;
  const leg = CLIENT_LAN;
  // Both ends are created inside lab namespaces: nothing appears in the host's namespace, even for a moment.
  await must('ip', [
    ...['link', 'add', leg.name, 'netns', client],
    ...['type', 'veth', 'peer', 'name', CLIENT_LAN_PORT, 'netns', lan],
  ]);
  await must('ip', ['-n', lan, 'link', 'set', CLIENT_LAN_PORT, 'master', 'br-lan', 'up']);
  await must('ip', ['-n', client, 'link', 'set', leg.name, 'address', leg.mac, 'up']);
  await must('ip', ['-n', client, 'addr', 'add', `${leg.v4}/${String(leg.v4Len)}`, 'dev', leg.name]);
  await must('ip', [
    '-n',
    client,
    'addr',
    'add',
    `${leg.v6 ?? ''}/${String(leg.v6Len ?? 64)}`,
    'dev',
    leg.name,
    'nodad',
  ]);
  // `replace` swaps the route through the router for the on-link one (both cannot be the best route).
  await must('ip', ['-n', client, 'route', 'replace', plan.subnets.lanV4, 'dev', leg.name, 'src', leg.v4]);
  await must('ip', ['-n', client, '-6', 'route', 'replace', plan.subnets.lanV6, 'dev', leg.name]);
}
