// The lab's topology as data: every namespace, link, address and MAC, computed from the `up` options
// by a pure function, so `up`, `status`, `down` and tests agree on names without re-deriving them.
//
//   oelb-client ──eth0──eth1── oelb-router ──eth0──┐            (203.0.113.0/24, 2001:db8:0:2::/64)
//                                                  ├── br-lan in oelb-lan (192.0.2.0/24, 2001:db8:0:1::/64)
//   oelb-node1..N ──eth0───────────────────────────┘
//   oelb-node1..N ──mgmt0──── br-mgmt in oelb-mgmt               (100.64.255.0/24, management only)

/** Every lab namespace starts with this, so `down` can find them even without a state file. */
export const NS_PREFIX = 'oelb-';

export type RouterKind = 'frr' | 'bird';

/** How each node's gobgpd starts: bare (the speaker calls StartBgp) or from a TOML file (tests). */
export type GobgpdMode = 'speaker' | 'toml';

export interface LabOptions {
  readonly nodes: number;
  readonly router: RouterKind;
  /** Also let the router open IPv6 sessions to every node (IPv4 sessions are always opened). */
  readonly ipv6: boolean;
  readonly gobgpd: GobgpdMode;
  /** Start `openelb-manager speaker` per node and the controller in oelb-mgmt. */
  readonly managers: boolean;
  /** The API enforces RBAC; controller and speakers use their ServiceAccount tokens (deploy/controller|speaker/rbac.yaml). */
  readonly rbac?: boolean;
}

export const DEFAULT_OPTIONS: LabOptions = {
  nodes: 3,
  router: 'frr',
  ipv6: false,
  gobgpd: 'speaker',
  managers: true,
};

export const MAX_NODES = 50;

export interface Subnets {
  readonly lanV4: string;
  readonly lanV6: string;
  readonly clientV4: string;
  readonly clientV6: string;
  /** Service IP pools: on no link, reachable only through BGP routes (or Layer2 answers). */
  readonly poolV4: string;
  readonly poolV6: string;
  /** Management network (RFC 6598 shared space): API server and controller to nodes only. */
  readonly mgmtV4: string;
}

export const SUBNETS: Subnets = {
  lanV4: '192.0.2.0/24',
  lanV6: '2001:db8:0:1::/64',
  clientV4: '203.0.113.0/24',
  clientV6: '2001:db8:0:2::/64',
  poolV4: '198.51.100.0/24',
  poolV6: '2001:db8:100::/64',
  mgmtV4: '100.64.255.0/24',
};

export const ROUTER_ASN = 64500;
export const NODE_ASN = 64512;
/** The API server inside oelb-mgmt listens here (on br-mgmt). */
export const MGMT_API_IP = '100.64.255.1';
export const MGMT_API_PORT = 6443;

export interface Iface {
  readonly name: string;
  readonly mac: string;
  readonly v4: string;
  readonly v6?: string;
  /** Prefix lengths of the addresses above. */
  readonly v4Len: number;
  readonly v6Len?: number;
}

export interface NodePlan {
  /** Kubernetes Node name: node1.. */
  readonly name: string;
  readonly ns: string;
  readonly lan: Iface;
  readonly mgmt: Iface;
  /** Name of the node's port on br-lan (in oelb-lan) and on br-mgmt (in oelb-mgmt). */
  readonly lanPort: string;
  readonly mgmtPort: string;
}

export interface LabPlan {
  readonly options: LabOptions;
  readonly subnets: Subnets;
  readonly routerAsn: number;
  readonly nodeAsn: number;
  readonly ns: {
    readonly router: string;
    readonly client: string;
    readonly lan: string;
    readonly mgmt: string;
  };
  readonly router: { readonly lan: Iface; readonly client: Iface; readonly lanPort: string };
  readonly client: Iface;
  readonly mgmtBridge: Iface;
  readonly nodes: readonly NodePlan[];
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** 02:00:00:<segment>:00:<host>: locally administered, stable, and readable back to the address. */
export function labMac(segment: number, host: number): string {
  return `02:00:00:${hex2(segment)}:00:${hex2(host)}`;
}

const SEG_LAN = 1;
const SEG_CLIENT = 2;
const SEG_MGMT = 0xff;

/** Check the options; an error message instead of a throw. */
export function validateOptions(o: LabOptions): string | undefined {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_NODES)
    return `--nodes must be an integer 1-${String(MAX_NODES)}, got ${String(o.nodes)}`;
  return undefined;
}

/** The whole topology for these options (call validateOptions first). */
export function planLab(options: LabOptions): LabPlan {
  const nodes: NodePlan[] = [];
  for (let i = 1; i <= options.nodes; i++) {
    const host = 10 + i;
    const name = `node${String(i)}`;
    nodes.push({
      name,
      ns: `${NS_PREFIX}${name}`,
      lan: {
        name: 'eth0',
        mac: labMac(SEG_LAN, host),
        v4: `192.0.2.${String(host)}`,
        v4Len: 24,
        v6: `2001:db8:0:1::${String(host)}`,
        v6Len: 64,
      },
      mgmt: { name: 'mgmt0', mac: labMac(SEG_MGMT, host), v4: `100.64.255.${String(host)}`, v4Len: 24 },
      lanPort: `p-${name}`,
      mgmtPort: `m-${name}`,
    });
  }
  return {
    options,
    subnets: SUBNETS,
    routerAsn: ROUTER_ASN,
    nodeAsn: NODE_ASN,
    ns: {
      router: `${NS_PREFIX}router`,
      client: `${NS_PREFIX}client`,
      lan: `${NS_PREFIX}lan`,
      mgmt: `${NS_PREFIX}mgmt`,
    },
    router: {
      lan: {
        name: 'eth0',
        mac: labMac(SEG_LAN, 1),
        v4: '192.0.2.1',
        v4Len: 24,
        v6: '2001:db8:0:1::1',
        v6Len: 64,
      },
      client: {
        name: 'eth1',
        mac: labMac(SEG_CLIENT, 1),
        v4: '203.0.113.1',
        v4Len: 24,
        v6: '2001:db8:0:2::1',
        v6Len: 64,
      },
      lanPort: 'p-router',
    },
    client: {
      name: 'eth0',
      mac: labMac(SEG_CLIENT, 100),
      v4: '203.0.113.100',
      v4Len: 24,
      v6: '2001:db8:0:2::100',
      v6Len: 64,
    },
    mgmtBridge: { name: 'br-mgmt', mac: labMac(SEG_MGMT, 1), v4: MGMT_API_IP, v4Len: 24 },
    nodes,
  };
}

/** Every namespace of the plan, router first. */
export function planNamespaces(plan: LabPlan): string[] {
  return [plan.ns.lan, plan.ns.mgmt, plan.ns.router, plan.ns.client, ...plan.nodes.map((n) => n.ns)];
}

/** Accept `node1` as well as `oelb-node1`. */
export function nsName(name: string): string {
  return name.startsWith(NS_PREFIX) ? name : `${NS_PREFIX}${name}`;
}
