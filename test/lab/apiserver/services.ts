// What a real API server does to a Service on create/update: defaults (type, sessionAffinity, ports,
// traffic policies, ip families), cluster IP and node port allocation, and the immutability of
// clusterIP. Allocation state is tracked from committed objects, so it survives restarts of the server
// object and frees addresses when Services are deleted.

import type { StatusCause } from './schema/index.js';
import type { Obj } from './store.js';

const V4_BASE = (10 << 24) | (96 << 16); // 10.96.0.0/12
const V4_SIZE = 1 << 20;
const V6_PREFIX = 'fd00:10:96::'; // fd00:10:96::/112
const V6_SIZE = 1 << 16;
const PORT_MIN = 30000;
const PORT_MAX = 32767;
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];

function v4(n: number): string {
  const a = (V4_BASE + n) >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function inV4Range(ip: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (m === null) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 10 && b >= 96 && b <= 111 && [m[3], m[4]].every((x) => Number(x) <= 255);
}

function familyOf(ip: string): 'IPv4' | 'IPv6' | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return 'IPv4';
  if (ip.includes(':')) return 'IPv6';
  return undefined;
}

/** Tracks used cluster IPs and node ports; picks free ones sequentially (deterministic tests). */
export class ServiceAllocator {
  private readonly used = new Set<string>();
  private readonly usedPorts = new Set<number>();
  private cursor4 = 10;
  private cursor6 = 10;
  private cursorPort = PORT_MIN;

  private pick(family: 'IPv4' | 'IPv6'): string | undefined {
    const size = family === 'IPv4' ? V4_SIZE : V6_SIZE;
    for (let i = 0; i < size; i++) {
      const n = ((family === 'IPv4' ? this.cursor4 : this.cursor6) + i) % size;
      if (n === 0 || n === size - 1) continue;
      const ip = family === 'IPv4' ? v4(n) : `${V6_PREFIX}${n.toString(16)}`;
      if (this.used.has(ip)) continue;
      if (family === 'IPv4') this.cursor4 = n + 1;
      else this.cursor6 = n + 1;
      return ip;
    }
    return undefined;
  }

  private pickPort(taken: Set<number>): number | undefined {
    const span = PORT_MAX - PORT_MIN + 1;
    for (let i = 0; i < span; i++) {
      const p = PORT_MIN + ((this.cursorPort - PORT_MIN + i) % span);
      if (this.usedPorts.has(p) || taken.has(p)) continue;
      this.cursorPort = p + 1;
      return p;
    }
    return undefined;
  }

  /** Record what a committed change frees and takes. */
  track(old: Obj | undefined, next: Obj | undefined): void {
    for (const ip of ipsOf(old)) this.used.delete(ip);
    for (const p of portsOf(old)) this.usedPorts.delete(p);
    for (const ip of ipsOf(next)) this.used.add(ip);
    for (const p of portsOf(next)) this.usedPorts.add(p);
  }

  /**
   * Apply create/update defaults to `svc` (a private copy, mutated) given the stored `old` one.
   * Returns 422 causes when the Service is invalid; allocations become permanent only via track().
   */
  admit(svc: Obj, old: Obj | undefined): StatusCause[] {
    const spec = asRecord(svc, 'spec');
    const oldSpec = old === undefined ? undefined : asRecord(structuredClone(old), 'spec');
    const causes: StatusCause[] = [];
    spec['type'] ??= 'ClusterIP';
    const type = spec['type'];
    if (typeof type !== 'string' || !TYPES.includes(type)) {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.type',
        message: `Unsupported value: ${JSON.stringify(type)}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
      });
      return causes;
    }
    spec['sessionAffinity'] ??= 'None';
    if (type === 'ExternalName') return causes;
    const ports = Array.isArray(spec['ports']) ? (spec['ports'] as unknown[]) : [];
    const headless = spec['clusterIP'] === 'None';
    if (ports.length === 0 && !headless) {
      causes.push({ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' });
    }
    ports.forEach((p, i) => {
      if (typeof p !== 'object' || p === null) return;
      const port = p as Record<string, unknown>;
      port['protocol'] ??= 'TCP';
      const n = port['port'];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: `spec.ports[${i}].port`,
          message: `Invalid value: ${JSON.stringify(n)}: must be between 1 and 65535, inclusive`,
        });
      }
      port['targetPort'] ??= n;
      if (ports.length > 1 && (typeof port['name'] !== 'string' || port['name'] === '')) {
        causes.push({
          reason: 'FieldValueRequired',
          field: `spec.ports[${i}].name`,
          message: 'Required value',
        });
      }
    });
    spec['internalTrafficPolicy'] ??= 'Cluster';
    if (type === 'LoadBalancer' || type === 'NodePort') spec['externalTrafficPolicy'] ??= 'Cluster';
    else delete spec['externalTrafficPolicy'];
    if (type === 'LoadBalancer') spec['allocateLoadBalancerNodePorts'] ??= true;
    else delete spec['allocateLoadBalancerNodePorts'];
    causes.push(...this.admitFamilies(spec, oldSpec));
    if (causes.length === 0) causes.push(...this.admitNodePorts(spec, oldSpec, ports));
    if (old === undefined) {
      const st = asRecord(svc, 'status');
      st['loadBalancer'] ??= {};
    }
    return causes;
  }

  private admitFamilies(
    spec: Record<string, unknown>,
    oldSpec: Record<string, unknown> | undefined,
  ): StatusCause[] {
    // On update the real server carries allocated values over when the client omits them.
    if (oldSpec !== undefined) {
      const oldIp = oldSpec['clusterIP'];
      if (spec['clusterIP'] === undefined || spec['clusterIP'] === '') {
        spec['clusterIP'] = oldIp;
        spec['clusterIPs'] ??= oldSpec['clusterIPs'];
      } else if (oldIp !== undefined && spec['clusterIP'] !== oldIp) {
        return [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.clusterIPs[0]',
            message: `Invalid value: ${JSON.stringify(spec['clusterIP'])}: may not change once set`,
          },
        ];
      }
      spec['ipFamilies'] ??= oldSpec['ipFamilies'];
      spec['ipFamilyPolicy'] ??= oldSpec['ipFamilyPolicy'];
      if (
        Array.isArray(spec['clusterIPs']) &&
        spec['clusterIPs'].length > 0 &&
        spec['clusterIPs'][0] === spec['clusterIP']
      ) {
        return [];
      }
    }
    const policy = (spec['ipFamilyPolicy'] ??= 'SingleStack');
    if (typeof policy !== 'string' || !POLICIES.includes(policy)) {
      return [
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.ipFamilyPolicy',
          message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "PreferDualStack", "RequireDualStack", "SingleStack"`,
        },
      ];
    }
    const requested = Array.isArray(spec['clusterIPs'])
      ? (spec['clusterIPs'] as unknown[]).filter((x): x is string => typeof x === 'string')
      : typeof spec['clusterIP'] === 'string' && spec['clusterIP'] !== ''
        ? [spec['clusterIP']]
        : [];
    let families = Array.isArray(spec['ipFamilies']) ? (spec['ipFamilies'] as string[]) : [];
    if (families.length === 0) {
      const first =
        requested[0] !== undefined && requested[0] !== 'None' ? (familyOf(requested[0]) ?? 'IPv4') : 'IPv4';
      families = policy === 'SingleStack' ? [first] : [first, first === 'IPv4' ? 'IPv6' : 'IPv4'];
    } else if (families.length === 1 && policy !== 'SingleStack') {
      families = [families[0] ?? 'IPv4', families[0] === 'IPv6' ? 'IPv4' : 'IPv6'];
    }
    if (families.some((f) => f !== 'IPv4' && f !== 'IPv6')) {
      return [
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.ipFamilies[0]',
          message: 'Unsupported value: supported values: "IPv4", "IPv6"',
        },
      ];
    }
    spec['ipFamilies'] = families;
    if (requested[0] === 'None') {
      spec['clusterIPs'] = ['None'];
      return [];
    }
    const ips: string[] = [];
    for (const [i, fam] of families.entries()) {
      const want = requested[i];
      if (want !== undefined) {
        const ok = fam === 'IPv4' ? inV4Range(want) : want.startsWith(V6_PREFIX);
        if (!ok || this.used.has(want)) {
          const why = ok ? 'provided IP is already allocated' : 'provided IP is not in the valid range';
          return [
            {
              reason: 'FieldValueInvalid',
              field: 'spec.clusterIPs',
              message: `Invalid value: ${JSON.stringify(requested)}: failed to allocate IP ${want}: ${why}`,
            },
          ];
        }
        ips.push(want);
      } else {
        const ip = this.pick(fam as 'IPv4' | 'IPv6');
        if (ip === undefined) return [exhausted('serviceIP')];
        ips.push(ip);
      }
    }
    spec['clusterIPs'] = ips;
    spec['clusterIP'] = ips[0];
    return [];
  }

  private admitNodePorts(
    spec: Record<string, unknown>,
    oldSpec: Record<string, unknown> | undefined,
    ports: unknown[],
  ): StatusCause[] {
    const type = spec['type'];
    const wants =
      type === 'NodePort' || (type === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] !== false);
    const oldPorts = Array.isArray(oldSpec?.['ports']) ? (oldSpec['ports'] as Record<string, unknown>[]) : [];
    const taken = new Set<number>();
    const mine = new Set(
      oldPorts.map((o) => o['nodePort']).filter((n): n is number => typeof n === 'number'),
    );
    for (const [i, p] of ports.entries()) {
      if (typeof p !== 'object' || p === null) continue;
      const port = p as Record<string, unknown>;
      if (type !== 'NodePort' && type !== 'LoadBalancer') {
        delete port['nodePort'];
        continue;
      }
      if (typeof port['nodePort'] !== 'number') {
        const prev = oldPorts.find((o) => o['port'] === port['port'] && o['protocol'] === port['protocol']);
        if (typeof prev?.['nodePort'] === 'number') port['nodePort'] = prev['nodePort'];
      }
      const given = port['nodePort'];
      if (typeof given === 'number') {
        const why =
          given < PORT_MIN || given > PORT_MAX
            ? `provided port is not in the valid range. The range of valid ports is ${PORT_MIN}-${PORT_MAX}`
            : taken.has(given) || (this.usedPorts.has(given) && !mine.has(given))
              ? 'provided port is already allocated'
              : undefined;
        if (why !== undefined) {
          return [
            {
              reason: 'FieldValueInvalid',
              field: `spec.ports[${i}].nodePort`,
              message: `Invalid value: ${given}: ${why}`,
            },
          ];
        }
        taken.add(given);
        continue;
      }
      if (!wants) continue;
      const np = this.pickPort(taken);
      if (np === undefined) return [exhausted('nodePort')];
      port['nodePort'] = np;
      taken.add(np);
    }
    return [];
  }
}

function asRecord(obj: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = obj[field];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  const fresh: Record<string, unknown> = {};
  obj[field] = fresh;
  return fresh;
}

function ipsOf(svc: Obj | undefined): string[] {
  const spec = svc?.['spec'] as Record<string, unknown> | undefined;
  const ips = spec?.['clusterIPs'];
  return Array.isArray(ips) ? ips.filter((x): x is string => typeof x === 'string' && x !== 'None') : [];
}

function portsOf(svc: Obj | undefined): number[] {
  const spec = svc?.['spec'] as Record<string, unknown> | undefined;
  const ports = spec?.['ports'];
  if (!Array.isArray(ports)) return [];
  return ports
    .map((p) =>
      typeof p === 'object' && p !== null ? (p as Record<string, unknown>)['nodePort'] : undefined,
    )
    .filter((n): n is number => typeof n === 'number');
}

/** Marker cause: the real server answers an exhausted range with 500 InternalError, not 422. */
export const INTERNAL_ERROR = 'InternalError';

function exhausted(what: 'serviceIP' | 'nodePort'): StatusCause {
  return { reason: INTERNAL_ERROR, field: '', message: `failed to allocate a ${what}: range is full` };
}
