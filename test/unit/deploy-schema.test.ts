// Every rendered object validates against the Kubernetes OpenAPI schemas (kubernetes-models 4.x, whose
// validators are generated from the upstream OpenAPI spec), and every sample custom resource validates
// against our own CRD schemas (deploy/crds, generated from src/api) plus src/api's parse functions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseBgpConf, parseBgpPeer, parseEip } from '../../src/api/index.js';

const root = join(import.meta.dirname, '..', '..');
const deployDir = join(root, 'deploy');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

function readObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** The kubernetes-models class of a built-in kind, e.g. `kubernetes-models/apps/v1/Deployment`. */
async function modelOf(apiVersion: string, kind: string): Promise<ModelClass> {
  const mod = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, unknown>;
  const cls = mod[kind];
  if (typeof cls !== 'function') throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return cls as ModelClass;
}

/** Validates one built-in object; returns the schema error message, or undefined when valid. */
async function validateBuiltIn(obj: K8sObject): Promise<string | undefined> {
  const Model = await modelOf(obj.apiVersion, obj.kind);
  try {
    new Model(obj).validate();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** One ajv validator per `<group>/<version> <Kind>` served by the CRDs in deploy/crds. */
function crdValidators(): Map<string, ValidateFunction> {
  // CRD schemas carry x-kubernetes-* keywords and formats ajv does not know: not strict, no formats.
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const out = new Map<string, ValidateFunction>();
  for (const file of readdirSync(join(deployDir, 'crds'))) {
    for (const crd of readObjects(join(deployDir, 'crds', file))) {
      const spec = crd.spec as {
        group: string;
        names: { kind: string };
        versions: { name: string; schema: { openAPIV3Schema: object } }[];
      };
      for (const v of spec.versions) {
        out.set(`${spec.group}/${v.name} ${spec.names.kind}`, ajv.compile(v.schema.openAPIV3Schema));
      }
    }
  }
  return out;
}

const bundle = readObjects(join(deployDir, 'openelb.yaml'));
const sampleFiles = readdirSync(join(deployDir, 'samples')).filter((f) => f.endsWith('.yaml'));

describe('deploy/openelb.yaml against the Kubernetes OpenAPI schemas', () => {
  it('has objects to check', () => {
    expect(bundle.length).toBeGreaterThan(15);
  });

  for (const obj of bundle) {
    it(`${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name} is valid`, async () => {
      expect(await validateBuiltIn(obj)).toBeUndefined();
    });
  }
});

describe('the validator rejects broken objects', () => {
  const deployment = bundle.find((o) => o.kind === 'Deployment');
  if (deployment === undefined) throw new Error('no Deployment in the bundle');
  /** A copy of the Deployment with the value at `path` replaced (undefined: removed). */
  const broken = (path: (string | number)[], value: unknown): K8sObject => {
    const copy = structuredClone(deployment);
    let node = copy as unknown as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    const leaf = path.at(-1) ?? '';
    if (value === undefined) Reflect.deleteProperty(node, leaf);
    else node[leaf] = value;
    return copy;
  };
  const container0 = ['spec', 'template', 'spec', 'containers', 0];

  it('replicas: "two"', async () => {
    expect(await validateBuiltIn(broken(['spec', 'replicas'], 'two'))).toMatch(/replicas must be integer/);
  });

  it('a container name that is not a string, ports that are not a list, no selector', async () => {
    expect(await validateBuiltIn(broken([...container0, 'name'], 7))).toMatch(/name must be string/);
    expect(await validateBuiltIn(broken([...container0, 'ports'], 'metrics'))).toMatch(/ports must be array/);
    expect(await validateBuiltIn(broken(['spec', 'selector'], undefined))).toMatch(/selector/);
  });

  it('a Role rule without verbs', async () => {
    const role = structuredClone(bundle.find((o) => o.kind === 'Role')) as K8sObject & {
      rules: { verbs?: string[] }[];
    };
    delete role.rules[0]?.verbs;
    expect(await validateBuiltIn(role)).toMatch(/verbs/);
  });
});

describe('deploy/samples against our CRD schemas', () => {
  const validators = crdValidators();

  it('has a validator for every served version of Eip, BgpConf and BgpPeer', () => {
    expect([...validators.keys()].sort()).toEqual([
      'network.kubesphere.io/v1alpha1 BgpConf',
      'network.kubesphere.io/v1alpha1 BgpPeer',
      'network.kubesphere.io/v1alpha1 Eip',
      'network.kubesphere.io/v1alpha2 BgpConf',
      'network.kubesphere.io/v1alpha2 BgpPeer',
      'network.kubesphere.io/v1alpha2 Eip',
    ]);
  });

  for (const file of sampleFiles) {
    it(`${file}: every object is valid (CRs by our CRDs and src/api, the rest by Kubernetes')`, async () => {
      const objects = readObjects(join(deployDir, 'samples', file));
      expect(objects.length).toBeGreaterThan(0);
      for (const obj of objects) {
        const what = `${file} ${obj.kind}/${obj.metadata.name}`;
        if (!obj.apiVersion.startsWith('network.kubesphere.io/')) {
          expect(await validateBuiltIn(obj), what).toBeUndefined();
          continue;
        }
        const validate = validators.get(`${obj.apiVersion} ${obj.kind}`);
        expect(validate, what).toBeDefined();
        expect(validate?.(obj), `${what}: ${JSON.stringify(validate?.errors)}`).toBe(true);
        const parsed =
          obj.kind === 'Eip' ? parseEip(obj) : obj.kind === 'BgpConf' ? parseBgpConf(obj) : parseBgpPeer(obj);
        expect(parsed.ok ? [] : parsed.errors, what).toEqual([]);
      }
    });
  }

  it('rejects a broken Eip (address of the wrong type, unknown protocol)', () => {
    const validate = validators.get('network.kubesphere.io/v1alpha2 Eip');
    const eip = { apiVersion: 'network.kubesphere.io/v1alpha2', kind: 'Eip', metadata: { name: 'x' } };
    expect(validate?.({ ...eip, spec: { address: 42 } })).toBe(false);
    expect(validate?.({ ...eip, spec: { address: '192.0.2.0/24', protocol: 'ospf' } })).toBe(false);
    expect(validate?.({ ...eip, spec: { address: '192.0.2.0/24', protocol: 'layer2' } })).toBe(true);
  });
});
