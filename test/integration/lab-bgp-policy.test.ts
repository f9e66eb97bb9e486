// BgpConf spec.policy in the virtual lab with FRR (issue #4 gap): a gobgp export policy from a
// ConfigMap adds a community to the Service routes, then one that rejects one Service's prefix makes
// the router withdraw it while the other stays, a broken ConfigMap keeps the last good policy and
// marks the BgpConf Valid=False, and clearing spec.policy restores plain announcements. No session
// resets at any point (FRR's connectionsEstablished and peerUptimeMsec). Needs root.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vtysh } from '../lab/topology/frr.js';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import { waitFor } from '../lab/topology/sh.js';
import { statePaths } from '../lab/topology/state.js';
import { downTestLab, routerNextHops, tempStateDir, upTestLab, waitNextHops } from './lab-harness.js';
import { bgpConf, readOpenElb } from '../lab/scenarios/objects.js';
import { labKubeConfig, setupBgpInLab, waitServiceIp, webService } from '../lab/scenarios/bgp.js';

const OPTIONS: LabOptions = { nodes: 2, router: 'frr', ipv6: false, gobgpd: 'speaker', managers: true };
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-bgp-policy-');
const routerDir = statePaths(stateDir).router;
const hops = plan.nodes.map((n) => n.lan.v4);
const NS = 'openelb-system';
const CM = 'bgp-policy';
let web = '';
let other = '';

/** gobgp TOML: tag every /32 of the lab pool with 64512:100, optionally rejecting one prefix first. */
function policyToml(reject?: string): string {
  const drop =
    reject === undefined
      ? ''
      : `
[[defined-sets.prefix-sets]]
  prefix-set-name = "dropped"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "${reject}/32"
`;
  const dropStatement =
    reject === undefined
      ? ''
      : `
  [[policy-definitions.statements]]
    name = "drop-one"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "dropped"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"
`;
  return `${drop}
[[defined-sets.prefix-sets]]
  prefix-set-name = "lb"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "198.51.100.0/24"
    masklength-range = "32..32"

[[policy-definitions]]
  name = "export-lb"
${dropStatement}
  [[policy-definitions.statements]]
    name = "tag-lb"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "lb"
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"
    [policy-definitions.statements.actions.bgp-actions.set-community]
      options = "add"
      [policy-definitions.statements.actions.bgp-actions.set-community.set-community-method]
        communities-list = ["64512:100"]

[global.apply-policy.config]
  export-policy-list = ["export-lb"]
  default-export-policy = "accept-route"
`;
}

async function putConfigMap(kc: KubeConfig, data: Record<string, string>): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const body = { metadata: { name: CM, namespace: NS }, data };
  try {
    await core.createNamespacedConfigMap({ namespace: NS, body });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    await core.replaceNamespacedConfigMap({ name: CM, namespace: NS, body });
  }
}

/** The communities FRR holds on each path of `ip`/32 (one entry per path; '' when none). */
async function routerCommunities(ip: string): Promise<string[]> {
  const r = await vtysh(plan, routerDir, [`show bgp ipv4 unicast ${ip}/32 json`]);
  if (!r.ok) throw new Error(`vtysh: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as { paths?: { community?: { string?: string } }[] };
  return (doc.paths ?? []).map((p) => p.community?.string ?? '').sort();
}

async function waitCommunities(ip: string, want: string[], timeoutMs = 10_000): Promise<void> {
  const ok = await waitFor(
    async () => ((await routerCommunities(ip)).join('|') === want.join('|') ? true : undefined),
    timeoutMs,
    50,
  );
  if (ok === undefined)
    throw new Error(
      `communities of ${ip}: ${JSON.stringify(await routerCommunities(ip))}, want ${JSON.stringify(want)}`,
    );
}

/** Per node session: state, times established, uptime (`show bgp neighbors json`). */
async function sessions(): Promise<{ addr: string; state: string; established: number; uptimeMs: number }[]> {
  const r = await vtysh(plan, routerDir, ['show bgp neighbors json']);
  if (!r.ok) throw new Error(`vtysh: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as Record<
    string,
    { bgpState?: string; connectionsEstablished?: number; bgpTimerUpMsec?: number; peerUptimeMsec?: number }
  >;
  return hops.map((addr) => ({
    addr,
    state: doc[addr]?.bgpState ?? 'absent',
    established: doc[addr]?.connectionsEstablished ?? 0,
    uptimeMs: doc[addr]?.bgpTimerUpMsec ?? doc[addr]?.peerUptimeMsec ?? 0,
  }));
}

/** Sessions are the same ones as `before`: still Established, never re-established, uptime grew. */
async function expectNoReset(before: Awaited<ReturnType<typeof sessions>>): Promise<void> {
  const now = await sessions();
  for (const [i, s] of now.entries()) {
    const was = before[i];
    expect(s.state, s.addr).toBe('Established');
    expect(s.established, s.addr).toBe(was?.established);
    expect(s.uptimeMs, s.addr).toBeGreaterThanOrEqual(was?.uptimeMs ?? 0);
  }
}

async function validCondition(kc: KubeConfig): Promise<{ status?: string; message?: string } | undefined> {
  const conf = await readOpenElb(kc, 'bgpconfs', 'default');
  const status = conf.status as
    { conditions?: { type: string; status?: string; message?: string }[] } | undefined;
  const conditions = status?.conditions;
  return conditions?.find((c) => c.type === 'Valid');
}

beforeAll(async () => {
  await upTestLab(OPTIONS, stateDir, 600_000);
  const kc = labKubeConfig(stateDir);
  await setupBgpInLab(kc, plan);
  await webService(kc, 'web', 'pool', plan);
  await webService(kc, 'other', 'pool', plan);
  web = await waitServiceIp(kc, 'default', 'web');
  other = await waitServiceIp(kc, 'default', 'other');
  await waitNextHops(plan, web, hops, 15_000);
  await waitNextHops(plan, other, hops, 15_000);
}, 660_000);

afterAll(async () => {
  await downTestLab(stateDir);
}, 30_000);

describe('BgpConf spec.policy with FRR (2 nodes)', () => {
  it('adds a community to the Service routes from a ConfigMap export policy, without resetting sessions', async () => {
    const kc = labKubeConfig(stateDir);
    const before = await sessions();
    expect(before.map((s) => s.state)).toEqual(['Established', 'Established']);
    await waitCommunities(web, ['', '']);
    await putConfigMap(kc, { 'gobgp.conf': policyToml() });
    await bgpConf(kc, plan.nodeAsn, 179, { policy: CM });
    await waitCommunities(web, ['64512:100', '64512:100']);
    await waitCommunities(other, ['64512:100', '64512:100']);
    expect(await routerNextHops(plan, web)).toEqual([...hops].sort());
    await expectNoReset(before);
  }, 30_000);

  it('withdraws the one prefix a changed policy rejects while the other Service stays', async () => {
    const kc = labKubeConfig(stateDir);
    const before = await sessions();
    await putConfigMap(kc, { 'gobgp.conf': policyToml(other) });
    await waitNextHops(plan, other, [], 10_000);
    expect(await routerCommunities(other)).toEqual([]);
    expect(await routerNextHops(plan, web)).toEqual([...hops].sort());
    await waitCommunities(web, ['64512:100', '64512:100']);
    await expectNoReset(before);
  }, 30_000);

  it('keeps the last good policy and marks the BgpConf invalid when the ConfigMap is broken', async () => {
    const kc = labKubeConfig(stateDir);
    const before = await sessions();
    await putConfigMap(kc, { 'gobgp.conf': '[[policy-definitions]]\nname = "x"\nbogus = 1\n' });
    const invalid = await waitFor(
      async () => {
        const c = await validCondition(kc);
        return c?.status === 'False' ? c : undefined;
      },
      10_000,
      100,
    );
    expect(invalid?.message).toContain(
      `ConfigMap ${NS}/${CM} key gobgp.conf: policy-definitions[0].bogus: unknown key`,
    );
    expect(await routerNextHops(plan, other)).toEqual([]);
    await waitCommunities(web, ['64512:100', '64512:100']);
    await expectNoReset(before);
  }, 30_000);

  it('restores plain announcements when spec.policy is cleared', async () => {
    const kc = labKubeConfig(stateDir);
    const before = await sessions();
    await bgpConf(kc, plan.nodeAsn, 179, { policy: null });
    await waitNextHops(plan, other, hops, 10_000);
    await waitCommunities(web, ['', '']);
    await waitCommunities(other, ['', '']);
    const valid = await waitFor(
      async () => ((await validCondition(kc))?.status === 'True' ? true : undefined),
      10_000,
      100,
    );
    expect(valid).toBe(true);
    await expectNoReset(before);
  }, 30_000);
});
