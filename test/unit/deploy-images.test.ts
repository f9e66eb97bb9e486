// The images cannot be built here, so this keeps deploy/images/*.Dockerfile, the manifests, the CLI and
// the contracts (names, ports, images) consistent with each other.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type {
  KubernetesObject,
  V1Container,
  V1DaemonSet,
  V1Deployment,
  V1Service,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { parseListenAddress } from '../../src/observability/http.js';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const MANAGER_IMAGE = `ghcr.io/openelb-ts/openelb-manager:${pkg.version}`;
const GOBGPD_IMAGE = 'ghcr.io/openelb-ts/gobgpd:3.10';
const cli = join(root, 'dist', 'bundle', 'cli.js');

// The wire form (plain YAML) read through client-node's types: field names are the same.
const bundle = parseAllDocuments(readFileSync(join(root, 'deploy', 'openelb.yaml'), 'utf8')).map(
  (d) => d.toJS() as KubernetesObject,
);
function find(kind: string, name: string): KubernetesObject {
  const obj = bundle.find((o) => o.kind === kind && o.metadata?.name === name);
  if (obj === undefined) throw new Error(`${kind} ${name} is not in deploy/openelb.yaml`);
  return obj;
}
const deployment = find('Deployment', 'openelb-controller') as V1Deployment;
const daemonset = find('DaemonSet', 'openelb-speaker') as V1DaemonSet;
const podOf = (
  workload: V1Deployment | V1DaemonSet,
): NonNullable<V1Deployment['spec']>['template']['spec'] & {} => {
  const pod = workload.spec?.template.spec;
  if (pod === undefined) throw new Error(`${String(workload.metadata?.name)} has no pod spec`);
  return pod;
};
const containerOf = (workload: V1Deployment | V1DaemonSet, name: string): V1Container => {
  const c = podOf(workload).containers.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no container ${name}`);
  return c;
};
const controller = containerOf(deployment, 'controller');
const speaker = containerOf(daemonset, 'speaker');
const gobgpd = containerOf(daemonset, 'gobgpd');

/** The long options `<role> --help` of the built CLI lists. */
function cliOptions(role: string): Set<string> {
  expect(existsSync(cli), 'dist/bundle/cli.js is missing: run `npm run build`').toBe(true);
  const help = execFileSync(process.execPath, [cli, role, '--help'], { encoding: 'utf8' });
  return new Set([...help.matchAll(/(--[a-z][a-z0-9-]*)/g)].map((m) => m[1] as string));
}

/** `--name=value` / `--name` -> name, value. */
function splitFlag(arg: string): { flag: string; value: string | undefined } {
  const i = arg.indexOf('=');
  return i < 0 ? { flag: arg, value: undefined } : { flag: arg.slice(0, i), value: arg.slice(i + 1) };
}

/** The port of `--metrics-addr` in a container's args. */
function metricsPort(container: V1Container): number {
  const arg = (container.args ?? []).find((a) => a.startsWith('--metrics-addr='));
  const parsed = parseListenAddress(splitFlag(arg ?? '').value ?? '');
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.port;
}

/** Dockerfile instructions (continuation lines joined, comments dropped). */
function dockerfile(name: string): { op: string; args: string }[] {
  const text = readFileSync(join(root, 'deploy', 'images', name), 'utf8');
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}
const last = (lines: { op: string; args: string }[], op: string): string | undefined =>
  lines.filter((l) => l.op === op).at(-1)?.args;

describe('images in the manifests', () => {
  it('are the contract images, the manager tagged with the package version', () => {
    expect(controller.image).toBe(MANAGER_IMAGE);
    expect(speaker.image).toBe(MANAGER_IMAGE);
    expect(gobgpd.image).toBe(GOBGPD_IMAGE);
  });
});

describe('container args are flags the CLI accepts', () => {
  for (const [role, container] of [
    ['controller', controller],
    ['speaker', speaker],
  ] as const) {
    it(`${role}: subcommand and every flag exist in \`${role} --help\``, () => {
      const [sub, ...flags] = container.args ?? [];
      expect(sub).toBe(role);
      expect(container.command).toBeUndefined(); // the image's ENTRYPOINT runs the CLI
      const known = cliOptions(role);
      for (const arg of flags) expect(known, arg).toContain(splitFlag(arg).flag);
    });
  }

  it('speaker flags of the contract: node name from the downward API, gobgpd on loopback', () => {
    expect(speaker.args).toContain('--node-name=$(NODE_NAME)');
    expect(speaker.args).toContain('--gobgp-address=127.0.0.1:50051');
    const env = Object.fromEntries(
      (speaker.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]),
    );
    expect(env).toEqual({ NODE_NAME: 'spec.nodeName', POD_NAMESPACE: 'metadata.namespace' });
    expect(controller.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
  });

  it('gobgpd args are the contract and flags the installed gobgpd accepts', () => {
    expect(gobgpd.command).toBeUndefined();
    expect(gobgpd.args).toEqual(['--api-hosts=127.0.0.1:50051', '--pprof-disable']);
    // Debian's gobgpd 3.10 is installed on the lab machines; the image installs the same package.
    const help = execFileSync('sh', ['-c', 'gobgpd --help 2>&1 || true'], { encoding: 'utf8' });
    for (const arg of gobgpd.args ?? []) expect(help).toContain(splitFlag(arg).flag);
  });
});

describe('ports', () => {
  it('probes and containerPorts use the --metrics-addr port (controller 50052, speaker 50053)', () => {
    for (const [c, port] of [
      [controller, 50052],
      [speaker, 50053],
    ] as const) {
      expect(metricsPort(c)).toBe(port);
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port });
      expect(c.ports).toContainEqual({ name: 'metrics', containerPort: port, protocol: 'TCP' });
    }
  });

  it('the webhook Service reaches the controller pods on 9443 and the configuration uses it', () => {
    const svc = find('Service', 'openelb-webhook') as V1Service;
    expect(svc.metadata?.namespace).toBe('openelb-system');
    expect(svc.spec?.ports).toEqual([{ name: 'webhook', port: 443, targetPort: 9443, protocol: 'TCP' }]);
    expect(controller.ports).toContainEqual({ name: 'webhook', containerPort: 9443, protocol: 'TCP' });
    expect(svc.spec?.selector).toEqual(deployment.spec?.template.metadata?.labels);
    const vwc = find('ValidatingWebhookConfiguration', 'openelb-webhook') as V1ValidatingWebhookConfiguration;
    expect(vwc.webhooks).toHaveLength(3);
    for (const w of vwc.webhooks ?? []) {
      expect(w.clientConfig.service).toMatchObject({
        namespace: 'openelb-system',
        name: 'openelb-webhook',
        port: 443,
      });
    }
  });
});

describe('deploy/images/manager.Dockerfile', () => {
  const lines = dockerfile('manager.Dockerfile');

  it('is multi-stage on node:20-bookworm-slim, with the native toolchain in the build stage only', () => {
    expect(lines.filter((l) => l.op === 'FROM').map((l) => l.args)).toEqual([
      'node:20-bookworm-slim AS build',
      'node:20-bookworm-slim',
    ]);
    const run = lines.filter((l) => l.op === 'RUN').map((l) => l.args);
    expect(run.join('\n')).toMatch(/apt-get install .*python3 make g\+\+/);
    expect(run.join('\n')).toMatch(/npm ci/);
    // The runtime stage copies the bundle, not node_modules (test/support/standalone-bundle.ts runs it so).
    const copies = lines.filter((l) => l.op === 'COPY').map((l) => l.args);
    expect(copies).toContain('--from=build /app/dist/bundle ./dist/bundle');
    expect(copies.some((c) => c.includes('node_modules'))).toBe(false);
    // `npm ci` builds through the prepare script; the Dockerfile relies on that.
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.build).toContain('build:native');
    expect(pkg.scripts.build).toMatch(/node dist\/scripts\/bundle\.js$/);
  });

  it('runs the package bin as the non-root user the controller pod declares', () => {
    expect(last(lines, 'ENTRYPOINT')).toBe('["node", "/app/dist/bundle/cli.js"]');
    expect(pkg.bin['openelb-manager']).toBe('dist/bundle/cli.js');
    const [uid, gid] = (last(lines, 'USER') ?? '').split(':').map(Number);
    const pod = podOf(deployment).securityContext;
    expect(uid).toBe(pod?.runAsUser);
    expect(gid).toBe(pod?.runAsGroup);
    expect(uid).not.toBe(0);
    expect(pod?.runAsNonRoot).toBe(true);
  });

  it('copies the AF_PACKET addon to where src/layer2/native.ts loads it', () => {
    const native = readFileSync(join(root, 'src', 'layer2', 'native.ts'), 'utf8');
    const addon = /ADDON_FILE = '([^']+)'/.exec(native)?.[1];
    expect(addon).toBeDefined();
    expect(lines.filter((l) => l.op === 'COPY').map((l) => l.args)).toContainEqual(
      `--from=build /app/${String(addon)} ./${String(addon)}`,
    );
  });

  it('exposes exactly the ports the manifests declare', () => {
    const exposed = (last(lines, 'EXPOSE') ?? '').split(' ').map(Number).sort();
    const declared = [...(controller.ports ?? []), ...(speaker.ports ?? [])]
      .map((p) => p.containerPort)
      .sort();
    expect(exposed).toEqual(declared);
  });
});

describe('deploy/images/gobgpd.Dockerfile', () => {
  const lines = dockerfile('gobgpd.Dockerfile');

  it("is Debian bookworm's gobgpd, run directly", () => {
    expect(last(lines, 'FROM')).toBe('debian:bookworm-slim');
    expect(
      lines
        .filter((l) => l.op === 'RUN')
        .map((l) => l.args)
        .join('\n'),
    ).toMatch(/apt-get install .*gobgpd/);
    expect(last(lines, 'ENTRYPOINT')).toBe('["/usr/bin/gobgpd"]');
  });

  it('stays root (no USER) because BGP binds 179, and exposes the port the sidecar declares', () => {
    expect(last(lines, 'USER')).toBeUndefined();
    expect(last(lines, 'EXPOSE')).toBe('179');
    expect(gobgpd.ports).toEqual([{ name: 'bgp', containerPort: 179, protocol: 'TCP' }]);
  });
});

describe('security contexts', () => {
  const hardened = (c: V1Container): void => {
    expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
    expect(c.resources?.requests).toBeDefined();
    expect(c.resources?.limits).toBeDefined();
  };

  it('controller: non-root, no capabilities, seccomp RuntimeDefault, 2 replicas spread by hostname', () => {
    hardened(controller);
    expect(controller.securityContext?.capabilities?.add).toBeUndefined();
    const pod = podOf(deployment);
    expect(pod.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.serviceAccountName).toBe('openelb-controller');
    expect(deployment.spec?.replicas).toBe(2);
    const preferred = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    const term = preferred?.[0]?.podAffinityTerm;
    expect(term?.topologyKey).toBe('kubernetes.io/hostname');
    expect(term?.labelSelector?.matchLabels).toEqual(deployment.spec?.selector.matchLabels);
  });

  it('speaker pod: host network, node-critical, on control-plane nodes too, one capability per container', () => {
    const pod = podOf(daemonset);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(pod.serviceAccountName).toBe('openelb-speaker');
    expect(pod.tolerations).toContainEqual({
      key: 'node-role.kubernetes.io/control-plane',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
    hardened(speaker);
    hardened(gobgpd);
    expect(speaker.securityContext?.capabilities?.add).toEqual(['NET_RAW']);
    expect(gobgpd.securityContext?.capabilities?.add).toEqual(['NET_BIND_SERVICE']);
    expect(pod.containers).toHaveLength(2);
  });
});
