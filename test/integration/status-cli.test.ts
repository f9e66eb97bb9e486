// `openelb-manager status` and `kubectl openelb` (the BUILT bundle, copied where no node_modules is
// reachable, run as child processes) against the local Kubernetes API with the controller allocating.
// Build first: npm run build.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CoordinationV1Api,
  DiscoveryV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
} from '@kubernetes/client-node';
import { startHarness, type Harness } from './controller-harness.js';
import { standaloneBundle } from '../support/standalone-bundle.js';
import { rendezvousOrder } from '../../src/layer2/announce-election.js';
import type { StatusView } from '../../src/status/view.js';

const run = promisify(execFile);
const app = standaloneBundle();
const { cli, plugin } = app;

let h: Harness;
let dir: string;
let kubeconfig: string;

async function node(name: string): Promise<void> {
  await h.core.createNode({ body: { metadata: { name } } });
  const body = {
    status: {
      addresses: [{ type: 'InternalIP', address: `172.18.0.${name === 'node-a' ? '2' : '3'}` }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
  await h.core.patchNodeStatus({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

async function lease(nodeName: string): Promise<void> {
  const api = h.api.kubeConfig().makeApiClient(CoordinationV1Api);
  await api.createNamespacedLease({
    namespace: 'openelb-system',
    body: {
      metadata: { name: `openelb-speaker-${nodeName}` },
      spec: { holderIdentity: nodeName, leaseDurationSeconds: 3600, renewTime: new V1MicroTime() },
    },
  });
}

async function slice(svc: string, nodeName: string): Promise<void> {
  const api = h.api.kubeConfig().makeApiClient(DiscoveryV1Api);
  await api.createNamespacedEndpointSlice({
    namespace: 'default',
    body: {
      metadata: { name: `${svc}-1`, labels: { 'kubernetes.io/service-name': svc } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.5'], nodeName, conditions: { ready: true } }],
    },
  });
}

async function status(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const r = await run('node', [cli, 'status', '--kubeconfig', kubeconfig, ...args], { env, timeout: 20_000 });
  return r.stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'status-cli-'));
  kubeconfig = join(dir, 'kubeconfig');
  h = await startHarness();
  h.api.writeKubeconfig(kubeconfig);
  h.start();
  await h.createEip(
    'eip-bgp',
    { address: '192.168.100.0/28', protocol: 'bgp' },
    {
      'eip.openelb.kubesphere.io/is-default-eip': 'true',
    },
  );
  await h.createEip('eip-l2', { address: '10.9.0.0/29', protocol: 'layer2', interface: 'eth0' });
  await Promise.all([node('node-a'), node('node-b'), lease('node-a'), lease('node-b')]);
  await slice('web', 'node-b');
  await slice('l2', 'node-a');
  await h.createService('default', 'web', {
    annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', 'eip.openelb.kubesphere.io/v1alpha2': 'eip-bgp' },
  });
  await h.createService('default', 'l2', {
    annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', 'eip.openelb.kubesphere.io/v1alpha2': 'eip-l2' },
  });
  await h.createService('default', 'pend', {
    annotations: {
      'lb.kubesphere.io/v1alpha1': 'openelb',
      'eip.openelb.kubesphere.io/v1alpha2': 'no-such-eip',
    },
  });
  await h.waitForIps('default', 'web');
  await h.waitForIps('default', 'l2');
  await h.waitForEvent('default', 'pend', 'AssignIPFailed');
  await h.custom.createClusterCustomObject({
    group: 'network.kubesphere.io',
    version: 'v1alpha2',
    plural: 'bgppeers',
    body: {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'tor' },
      spec: { conf: { neighborAddress: '172.18.0.1', peerAs: 65001 } },
    },
  });
  await h.custom.patchClusterCustomObjectStatus(
    {
      group: 'network.kubesphere.io',
      version: 'v1alpha2',
      plural: 'bgppeers',
      name: 'tor',
      body: {
        status: {
          nodesPeerStatus: {
            'node-a': {
              peerState: { neighborAddress: '172.18.0.1', peerAs: 65001, sessionState: 'ESTABLISHED' },
              timersState: { uptime: new Date(Date.now() - 90_000).toISOString() },
            },
          },
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}, 30_000);

afterAll(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
  app.remove();
});

describe('openelb-manager status (built CLI)', () => {
  it('prints Eips, Services with announcers, BGP sessions and pending reasons', async () => {
    const [webIp] = await h.ipsOf('default', 'web');
    const [l2Ip] = await h.ipsOf('default', 'l2');
    const winner = rendezvousOrder(['node-a', 'node-b'], l2Ip ?? '')[0];
    const out = await status([]);
    expect(out).not.toContain('\u001b[');
    expect(out).toMatch(/^eip-bgp\s+bgp\s+192\.168\.100\.0\/28\s+\[#---------\] 1\/16\s+default$/m);
    expect(out).toMatch(/^eip-l2\s+layer2\s+eth0\s+10\.9\.0\.0\/29\s+\[#---------\] 1\/8$/m);
    expect(out).toContain(`default/web  eip-bgp  bgp       ${String(webIp)}`);
    expect(out).toMatch(
      new RegExp(`^default/web\\s+eip-bgp\\s+bgp\\s+${String(webIp)}\\s+node-a, node-b$`, 'm'),
    );
    expect(out).toMatch(
      new RegExp(
        `^default/l2\\s+eip-l2\\s+layer2\\s+${String(l2Ip)}\\s+${String(winner)} \\(inferred\\)$`,
        'm',
      ),
    );
    expect(out).toMatch(/^node-a\s+tor\s+172\.18\.0\.1\s+65001\s+ESTABLISHED\s+1m\d+s$/m);
    expect(out).toMatch(/^default\/pend\s+.*no-such-eip/m);
    expect(out).toMatch(/^node-a\s+172\.18\.0\.2\s+yes\s+Ready, speaker Lease fresh$/m);
  }, 30_000);

  it('-o json prints the same content as one document', async () => {
    const doc = JSON.parse(await status(['-o', 'json'])) as StatusView;
    expect(doc.apiVersion).toBe('openelb-manager.status/v1');
    expect(doc.eips.map((e) => [e.name, e.protocol, e.usage, e.poolSize, e.usageFrom])).toEqual([
      ['eip-bgp', 'bgp', 1, 16, 'status'],
      ['eip-l2', 'layer2', 1, 8, 'status'],
    ]);
    const web = doc.services.find((s) => s.name === 'web');
    expect(web?.addresses[0]?.announcers).toEqual(['node-a', 'node-b']);
    expect(doc.bgpSessions).toHaveLength(1);
    expect(doc.nodes.map((n) => [n.name, n.eligible])).toEqual([
      ['node-a', true],
      ['node-b', true],
    ]);
    expect(doc.pending.map((p) => p.name)).toEqual(['pend']);
    expect(doc.pending[0]?.reason).toContain('no-such-eip');
    expect(doc.warnings).toEqual([]);
  }, 30_000);

  it('runs as the kubectl plugin `kubectl openelb` (and `kubectl openelb status -o json`)', async () => {
    const bin = join(dir, 'bin');
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    writeFileSync(join(bin, 'kubectl-openelb'), `#!/bin/sh\nexec node ${plugin} "$@"\n`);
    chmodSync(join(bin, 'kubectl-openelb'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, KUBECONFIG: kubeconfig };
    const text = await run('kubectl', ['openelb'], { env, timeout: 20_000 });
    expect(text.stdout).toMatch(/^EIPS$/m);
    expect(text.stdout).toMatch(/^eip-bgp\s+bgp/m);
    const json = await run('kubectl', ['openelb', 'status', '-o', 'json', '--kubeconfig', kubeconfig], {
      env: { ...env, KUBECONFIG: '/nonexistent' },
      timeout: 20_000,
    });
    expect((JSON.parse(json.stdout) as StatusView).services.map((s) => s.name)).toEqual([
      'l2',
      'pend',
      'web',
    ]);
  }, 30_000);
});
