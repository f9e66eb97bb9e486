/**
 * The NicLookup of the real host: NIC addresses from os.networkInterfaces(), "can it do ARP" from
 * /sys/class/net/<nic>/type, and can_reach from `ip -j route get`. The decisions run over a HostView so they
 * are tested without a host; only systemHostView() touches the machine.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { canonicalIp, formatIp, parseIp, type IpAddress, type Result } from '../ip/address.js';
import { formatRange, parseAddressRange, rangeContains, type AddressRange } from '../ip/range.js';
import type { NicLookup } from './announce-nic.js';
import { linkUsable, sysfsLinkReader, type LinkState } from './link-monitor.js';

/** What the lookups read from the host. */
export interface HostView {
  /** NIC name → its addresses (os.networkInterfaces() shape). */
  interfaces(): Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;
  /** The link type of a NIC (1 = Ethernet), or undefined when there is no such NIC. */
  linkType(name: string): number | undefined;
  /** The kernel's route towards `ip`: the device and preferred source, or why there is none. */
  routeGet(ip: string): Result<{ readonly dev: string; readonly prefsrc?: string }>;
  /** The link state of a NIC (undefined: no such NIC). Absent: every NIC counts as up. */
  linkState?(name: string): LinkState | undefined;
}

const ARPHRD_ETHER = 1;

function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
function fail<T>(error: string): Result<T> {
  return { ok: false, error };
}

/** Addresses of a NIC, canonical; never the Service IPs (kube-ipvs0 style dummies hold those). */
function ownAddresses(
  infos: readonly NetworkInterfaceInfo[] | undefined,
  serviceIps: ReadonlySet<string>,
): string[] {
  return (infos ?? [])
    .map((i) => canonicalIp(i.address.split('%')[0] ?? '') ?? '')
    .filter((a) => a !== '' && !serviceIps.has(a));
}

/**
 * The subnet of an interface address as os.networkInterfaces() writes it ("192.0.2.11/24"): host bits cleared,
 * since parseAddressRange rejects a CIDR with host bits set.
 */
export function subnetOf(cidr: string | null): AddressRange | undefined {
  if (cidr === null) return undefined;
  const [address = '', bitsText = ''] = cidr.split('/');
  const ip = parseIp(address.split('%')[0] ?? '');
  if (!ip.ok || !/^[0-9]{1,3}$/.test(bitsText)) return undefined;
  const width = ip.value.family === 'IPv4' ? 32 : 128;
  const bits = Number(bitsText);
  if (bits > width) return undefined;
  const hostMask = (1n << BigInt(width - bits)) - 1n;
  const network = formatIp({ family: ip.value.family, value: ip.value.value & ~hostMask });
  const range = parseAddressRange(`${network}/${String(bits)}`);
  return range.ok ? range.value : undefined;
}

const noServiceIps: ReadonlySet<string> = new Set();

/** A NicLookup over `host`. `lo` (and any loopback NIC) never answers. */
export function hostNicLookup(host: HostView): NicLookup {
  const candidates = (serviceIps: ReadonlySet<string>): [string, string[]][] =>
    Object.entries(host.interfaces())
      .filter(([name, infos]) => name !== 'lo' && !(infos ?? []).some((i) => i.internal))
      .map(([name, infos]): [string, string[]] => [name, ownAddresses(infos, serviceIps)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  // A NIC without link cannot carry answers: the node must leave the election for it at once.
  const up = (name: string): Result<string> => {
    if (host.linkState === undefined) return ok(name);
    const usable = linkUsable(name, host.linkState(name));
    return usable.ok ? ok(name) : fail(usable.error);
  };

  const holding = (ip: IpAddress): Result<string> => {
    const text = formatIp(ip);
    const found = candidates(noServiceIps).find(([, addrs]) => addrs.includes(text));
    // os.networkInterfaces() leaves out NICs that are not UP and RUNNING, so a NIC that lost its link is
    // already missing here; the message says so.
    return found === undefined
      ? fail(`no NIC of this host that is up has the address ${text}`)
      : up(found[0]);
  };

  const holdingIn = (range: AddressRange): Result<string> => {
    const found = candidates(noServiceIps).find(([, addrs]) =>
      addrs.some((a) => {
        const parsed = parseIp(a);
        return parsed.ok && rangeContains(range, parsed.value);
      }),
    );
    return found === undefined
      ? fail(`no NIC of this host that is up has an address in ${formatRange(range)}`)
      : up(found[0]);
  };

  const named = (name: string): Result<string> => {
    if (name === 'lo') return fail('lo cannot answer ARP/NDP');
    const type = host.linkType(name);
    if (type === undefined) return fail(`this host has no NIC named ${name}`);
    if (type !== ARPHRD_ETHER) return fail(`${name} is not an Ethernet NIC (link type ${String(type)})`);
    return up(name);
  };

  /** Longest-prefix match over the NICs' own subnets: the fallback when the kernel's answer is unusable. */
  const bySubnet = (ip: IpAddress, serviceIps: ReadonlySet<string>): string | undefined => {
    let best: { name: string; bits: number } | undefined;
    for (const [name, infos] of Object.entries(host.interfaces())) {
      if (name === 'lo') continue;
      for (const info of infos ?? []) {
        const address = canonicalIp(info.address.split('%')[0] ?? '');
        if (info.internal || info.cidr === null || address === undefined || serviceIps.has(address)) continue;
        const range = subnetOf(info.cidr);
        const bits = range?.prefixLength ?? 0;
        if (range !== undefined && rangeContains(range, ip) && (best === undefined || bits > best.bits))
          best = { name, bits };
      }
    }
    return best?.name;
  };

  const routeTo = (ip: IpAddress, serviceIps: ReadonlySet<string>): Result<string> => {
    const text = formatIp(ip);
    const route = host.routeGet(text);
    // OpenELB #331: the kernel may answer with lo, or with a NIC only because a Service IP sits on it.
    const usable =
      route.ok &&
      route.value.dev !== 'lo' &&
      !serviceIps.has(canonicalIp(route.value.prefsrc ?? '') ?? '') &&
      named(route.value.dev).ok;
    if (route.ok && usable) return ok(route.value.dev);
    const subnet = bySubnet(ip, serviceIps);
    if (subnet !== undefined && named(subnet).ok) return ok(subnet);
    return fail(
      route.ok
        ? `the route to ${text} leaves by ${route.value.dev}, which cannot answer (lo, a Service IP, or not Ethernet), and no NIC has a subnet containing it`
        : `no route to ${text}: ${route.error}`,
    );
  };

  /** The subnets configured on `name` (link-local ones left out), for the range-vs-subnet warning. */
  const subnets = (name: string): AddressRange[] =>
    (host.interfaces()[name] ?? []).flatMap((info) => {
      const range = info.internal ? undefined : subnetOf(info.cidr);
      return range === undefined || info.address.toLowerCase().startsWith('fe80:') ? [] : [range];
    });

  /** The first IPv6 link-local address of `name`, without its zone. */
  const linkLocal = (name: string): string | undefined => {
    for (const info of host.interfaces()[name] ?? []) {
      const address = canonicalIp(info.address.split('%')[0] ?? '');
      if (!info.internal && address?.startsWith('fe80:') === true) return address;
    }
    return undefined;
  };

  return { holding, holdingIn, named, routeTo, subnets, linkLocal };
}

/** The HostView of this machine (and network namespace). */
export function systemHostView(): HostView {
  return {
    interfaces: () => networkInterfaces(),
    linkType: (name) => {
      if (!/^[\w.@:-]{1,15}$/.test(name)) return undefined;
      try {
        return Number(readFileSync(`/sys/class/net/${name}/type`, 'utf8').trim());
      } catch {
        return undefined;
      }
    },
    linkState: sysfsLinkReader(),
    routeGet: (ip) => {
      try {
        const out = execFileSync('ip', ['-j', 'route', 'get', ip], { timeout: 2000, encoding: 'utf8' });
        const parsed = JSON.parse(out) as { dev?: string; prefsrc?: string }[];
        const first = parsed[0];
        if (first?.dev === undefined) return fail(`ip route get ${ip} returned no device`);
        return ok({ dev: first.dev, ...(first.prefsrc !== undefined && { prefsrc: first.prefsrc }) });
      } catch (err) {
        const message = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
        return fail(message);
      }
    },
  };
}
