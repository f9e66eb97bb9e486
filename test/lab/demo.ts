// `npm run demo`: the main job on the embedded default. Until the controller and speakers exist, the
// demo shows the foundation end to end: the local Kubernetes API with the project's CRDs, driven by
// the real kubectl, the OpenELB samples applied unchanged, validation errors as a user sees them,
// and the KubeSphere console's detection request.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLocalApi } from './apiserver/index.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

interface Step {
  readonly title: string;
  readonly args: readonly string[];
  /** The step demonstrates a rejection: it passes when kubectl fails. */
  readonly expectFailure?: boolean;
}

const samples = (name: string): string => join(repo, 'deploy', 'samples', name);

const steps: readonly Step[] = [
  { title: 'The OpenELB kinds are served', args: ['api-resources', '--api-group=network.kubesphere.io'] },
  { title: 'Apply the BGP sample unchanged', args: ['apply', '-f', samples('bgp.yaml')] },
  { title: 'Apply the Layer2 sample unchanged', args: ['apply', '-f', samples('layer2.yaml')] },
  {
    title: 'Apply the KubeSphere projects sample unchanged',
    args: ['apply', '-f', samples('kubesphere.yaml')],
  },
  { title: 'Eips with their printer columns', args: ['get', 'eip'] },
  { title: 'BGP configuration', args: ['get', 'bgpconf,bgppeer'] },
  { title: 'LoadBalancer Services (pending until the controller lands)', args: ['get', 'svc', '-A'] },
  {
    title: 'KubeSphere console detection: GET apis/network.kubesphere.io/v1alpha1/bgpconfs',
    args: ['get', '--raw', '/apis/network.kubesphere.io/v1alpha1/bgpconfs'],
  },
  {
    title: 'An invalid protocol is rejected with the field and the allowed values',
    args: ['patch', 'eip', 'bgp-pool', '--type=merge', '-p', '{"spec":{"protocol":"ospf"}}'],
    expectFailure: true,
  },
  {
    title: 'spec.address is immutable',
    args: ['patch', 'eip', 'bgp-pool', '--type=merge', '-p', '{"spec":{"address":"198.51.100.64/28"}}'],
    expectFailure: true,
  },
];

async function main(): Promise<void> {
  const api = await startLocalApi({ crdDir: join(repo, 'deploy', 'crds') });
  const stateDir = join(repo, '.lab');
  mkdirSync(stateDir, { recursive: true });
  const kubeconfig = join(stateDir, 'demo-kubeconfig');
  api.writeKubeconfig(kubeconfig);
  console.log(`local Kubernetes API at ${api.url}, kubeconfig ${kubeconfig}\n`);
  let failed = 0;
  try {
    for (const step of steps) {
      console.log(`$ kubectl ${step.args.join(' ')}    # ${step.title}`);
      const outcome = await kubectl(kubeconfig, step.args);
      console.log(outcome.output.trimEnd() + '\n');
      if (outcome.ok === Boolean(step.expectFailure)) {
        failed++;
        console.log(`!! unexpected ${outcome.ok ? 'success' : 'failure'}\n`);
      }
    }
  } finally {
    await api.stop();
  }
  console.log(`demo summary: ${steps.length - failed}/${steps.length} steps behaved as expected`);
  if (failed > 0) process.exitCode = 1;
}

async function kubectl(
  kubeconfig: string,
  args: readonly string[],
): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args]);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: (e.stdout ?? '') + (e.stderr ?? e.message) };
  }
}

await main();
