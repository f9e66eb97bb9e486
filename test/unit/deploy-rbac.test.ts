// Least privilege, pinned: the exact permissions of each role. A new permission must show up here (and
// in docs/install.md) in review. Derived from the calls in src/ (see the comments in deploy/*/rbac.yaml).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
}

const bundle = parseAllDocuments(
  readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'openelb.yaml'), 'utf8'),
).map((d) => d.toJS() as RbacObject);

/** Every permission a ServiceAccount gets, as `scope group/resource verb [names]` lines, sorted. */
function permissionsOf(serviceAccount: string): string[] {
  const out: string[] = [];
  for (const binding of bundle.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    const bound = binding.subjects?.some(
      (s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === 'openelb-system',
    );
    if (bound !== true || binding.roleRef === undefined) continue;
    const { kind, name } = binding.roleRef;
    const role = bundle.find(
      (o) =>
        o.kind === kind &&
        o.metadata.name === name &&
        (kind === 'ClusterRole' || o.metadata.namespace === binding.metadata.namespace),
    );
    if (role === undefined)
      throw new Error(`${binding.kind} ${binding.metadata.name} refers to a missing ${kind}`);
    const scope = kind === 'ClusterRole' ? 'cluster' : (binding.metadata.namespace ?? '?');
    for (const rule of role.rules ?? []) {
      const names = rule.resourceNames === undefined ? '' : ` [${rule.resourceNames.join(',')}]`;
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs) out.push(`${scope} ${group || 'core'}/${resource} ${verb}${names}`);
    }
  }
  return out.sort();
}

const expand = (lines: string[]): string[] =>
  lines
    .flatMap((l) => {
      const [scope = '', res = '', verbs = '', names] = l.split(' ');
      return verbs.split(',').map((v) => `${scope} ${res} ${v}${names === undefined ? '' : ` ${names}`}`);
    })
    .sort();

describe('RBAC', () => {
  const controller = permissionsOf('openelb-controller');
  const speaker = permissionsOf('openelb-speaker');

  it('the controller has exactly what src/controller and the webhook use', () => {
    expect(controller).toEqual(
      expand([
        'cluster core/services list,watch,patch',
        'cluster core/services/status patch',
        'cluster core/namespaces list,watch',
        'cluster core/nodes list,watch',
        'cluster core/events create,patch',
        'cluster network.kubesphere.io/eips list,watch,patch',
        'cluster network.kubesphere.io/eips/status patch',
        'cluster admissionregistration.k8s.io/validatingwebhookconfigurations get,update [openelb-webhook]',
        'openelb-system coordination.k8s.io/leases create',
        'openelb-system coordination.k8s.io/leases get,update [openelb-manager]',
        'openelb-system core/secrets create',
        'openelb-system core/secrets get,update [openelb-webhook-cert]',
      ]),
    );
  });

  it('the speaker has exactly what src/speaker uses', () => {
    expect(speaker).toEqual(
      expand([
        'cluster core/nodes list,watch',
        'cluster core/services list,watch',
        'cluster discovery.k8s.io/endpointslices list,watch',
        'cluster network.kubesphere.io/eips list,watch',
        'cluster network.kubesphere.io/bgpconfs list,watch',
        'cluster network.kubesphere.io/bgppeers list,watch',
        'cluster network.kubesphere.io/bgpconfs/status patch',
        'cluster network.kubesphere.io/bgppeers/status patch',
        'cluster core/events create,patch',
        'openelb-system coordination.k8s.io/leases get,list,watch,create,update',
        'openelb-system core/secrets get',
        'openelb-system core/configmaps get,list,watch',
        'kube-system core/configmaps get [kube-proxy]',
      ]),
    );
  });

  it('the speaker never writes Services, and reads Secrets only by name in its namespace', () => {
    const writes = ['create', 'update', 'patch', 'delete', 'deletecollection', '*'];
    expect(
      speaker.filter((p) => /\/services(\/|\s)/.test(p) && writes.some((w) => p.includes(` ${w}`))),
    ).toEqual([]);
    expect(speaker.filter((p) => p.includes('/secrets '))).toEqual(['openelb-system core/secrets get']);
  });

  it('uses no wildcards and no delete anywhere', () => {
    for (const p of [...controller, ...speaker]) {
      expect(p).not.toContain('*');
      expect(p).not.toMatch(/ delete/);
    }
  });

  it('binds exactly the two ServiceAccounts, each to its own roles', () => {
    for (const binding of bundle.filter((o) => o.kind.endsWith('RoleBinding'))) {
      expect(binding.subjects).toHaveLength(1);
      expect(binding.subjects?.[0]?.name).toBe(binding.metadata.name);
      expect(binding.roleRef?.name).toBe(binding.metadata.name);
    }
    expect(bundle.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual([
      'openelb-controller',
      'openelb-speaker',
    ]);
  });
});
