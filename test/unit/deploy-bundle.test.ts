import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { BUNDLE_HEADER, bundleFrom, renderDeployBundle } from '../../scripts/gen-deploy.js';

const root = join(import.meta.dirname, '..', '..');
const deployDir = join(root, 'deploy');

/** Every YAML file under deploy/, relative to it. */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [relative(deployDir, path)] : [];
  });
}

describe('deploy/kustomization.yaml', () => {
  const kustomization = parse(readFileSync(join(deployDir, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
    namespace?: string;
  };

  it('lists every manifest under deploy/ except samples, monitoring and the generated bundle', () => {
    const expected = yamlFiles(deployDir)
      .filter((f) => !/^(samples|monitoring)\//.test(f))
      .filter((f) => f !== 'kustomization.yaml' && f !== 'openelb.yaml')
      .sort();
    expect([...kustomization.resources].sort()).toEqual(expected);
  });

  it('keeps the samples out and sets no namespace override (kube-system RBAC must stay there)', () => {
    expect(kustomization.resources.some((r) => r.startsWith('samples'))).toBe(false);
    expect(kustomization.namespace).toBeUndefined();
  });
});

describe('deploy/openelb.yaml', () => {
  const rendered = renderDeployBundle(root);
  const onDisk = readFileSync(join(deployDir, 'openelb.yaml'), 'utf8');

  it('is exactly `kubectl kustomize deploy` under the header (run: npm run gen:deploy)', () => {
    // One line instead of a huge diff: the fix is always the same.
    expect(onDisk === rendered, 'deploy/openelb.yaml is out of date: run `npm run gen:deploy`').toBe(true);
  });

  it('starts with the generated-file header and ends with one newline', () => {
    expect(rendered.startsWith(BUNDLE_HEADER)).toBe(true);
    expect(bundleFrom('a: 1')).toBe(`${BUNDLE_HEADER}a: 1\n`);
    expect(bundleFrom('a: 1\n')).toBe(`${BUNDLE_HEADER}a: 1\n`);
  });

  it('renders the whole install in an order kubectl can apply in one go', () => {
    const objects = parseAllDocuments(rendered).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } },
    );
    const ids = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'Namespace//openelb-system',
        'CustomResourceDefinition//eips.network.kubesphere.io',
        'CustomResourceDefinition//bgpconfs.network.kubesphere.io',
        'CustomResourceDefinition//bgppeers.network.kubesphere.io',
        'ServiceAccount/openelb-system/openelb-controller',
        'ServiceAccount/openelb-system/openelb-speaker',
        'ClusterRole//openelb-controller',
        'ClusterRole//openelb-speaker',
        'ClusterRoleBinding//openelb-controller',
        'ClusterRoleBinding//openelb-speaker',
        'Role/openelb-system/openelb-controller',
        'Role/openelb-system/openelb-speaker',
        'Role/kube-system/openelb-speaker',
        'RoleBinding/openelb-system/openelb-controller',
        'RoleBinding/openelb-system/openelb-speaker',
        'RoleBinding/kube-system/openelb-speaker',
        'Lease/openelb-system/openelb-manager',
        'Deployment/openelb-system/openelb-controller',
        'DaemonSet/openelb-system/openelb-speaker',
        'Service/openelb-system/openelb-webhook',
        'ValidatingWebhookConfiguration//openelb-webhook',
      ]),
    );
    expect(objects).toHaveLength(21);
    // Namespace and CRDs come before anything that lives in them or needs them.
    const kinds = objects.map((o) => o.kind);
    expect(kinds[0]).toBe('Namespace');
    expect(kinds.lastIndexOf('CustomResourceDefinition')).toBeLessThan(kinds.indexOf('ServiceAccount'));
    expect(kinds.at(-1)).toBe('ValidatingWebhookConfiguration');
  });

  it('contains no custom resources (they would need their CRDs established first)', () => {
    expect(rendered).not.toMatch(/^apiVersion: network\.kubesphere\.io\//m);
  });
});
