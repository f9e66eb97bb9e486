// `lab up --rbac`: the local API enforces RBAC, the shipped deploy/*/rbac.yaml objects are applied, and
// the controller and the speakers run with their own ServiceAccount tokens instead of the admin token.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiException,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '../commands/paths.js';

export const OPENELB_NAMESPACE = 'openelb-system';
export const CONTROLLER_SA = 'openelb-controller';
export const SPEAKER_SA = 'openelb-speaker';

/** The namespace, ServiceAccounts, roles and bindings a real install creates, in apply order. */
export function rbacManifests(): string[] {
  const root = repoRoot();
  return [
    join(root, 'deploy', 'namespace.yaml'),
    join(root, 'deploy', 'controller', 'rbac.yaml'),
    join(root, 'deploy', 'speaker', 'rbac.yaml'),
  ];
}

/** Every object of the YAML files, in order. */
export function readManifests(files: readonly string[]): KubernetesObject[] {
  const out: KubernetesObject[] = [];
  for (const file of files)
    for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message ?? 'YAML error'}`);
      const obj = d.toJS() as KubernetesObject | null;
      if (obj !== null) out.push(obj);
    }
  return out;
}

/** Create each object, or replace it when it exists (like `kubectl apply` without the annotation). */
export async function applyObjects(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    const what = `${obj.kind ?? '?'} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    try {
      await api.create(obj);
    } catch (err) {
      if (!(err instanceof ApiException) || err.code !== 409)
        throw new Error(`cannot create ${what}: ${String(err)}`);
      const current = await api.read({
        apiVersion: obj.apiVersion ?? '',
        kind: obj.kind ?? '',
        metadata: { name: obj.metadata?.name ?? '', namespace: obj.metadata?.namespace ?? '' },
      });
      const resourceVersion = current.metadata?.resourceVersion;
      // Plain objects from YAML (not client-node model classes), so spreading keeps everything.
      const plain = obj as Record<string, unknown> & KubernetesObject;
      await api.replace({ ...plain, metadata: { ...(plain.metadata as object), resourceVersion } });
    }
  }
}

/** The per-role tokens of one lab, and where the API and the roles find them. */
export interface LabRbac {
  /** token -> system:serviceaccount:<ns>:<name>, for the API (`startLocalApi({ rbac })`). */
  readonly tokensFile: string;
  readonly controllerKubeconfig: string;
  readonly speakerKubeconfig: string;
  readonly tokens: { readonly controller: string; readonly speaker: string };
}

/** Fresh random tokens for both roles, written as the API's token file into `dir`. */
export function prepareLabRbac(dir: string): LabRbac {
  const tokens = { controller: randomBytes(24).toString('hex'), speaker: randomBytes(24).toString('hex') };
  const tokensFile = join(dir, 'sa-tokens.json');
  const sa = (name: string): string => `system:serviceaccount:${OPENELB_NAMESPACE}:${name}`;
  const serviceAccountTokens = { [tokens.controller]: sa(CONTROLLER_SA), [tokens.speaker]: sa(SPEAKER_SA) };
  writeFileSync(tokensFile, JSON.stringify({ serviceAccountTokens }, null, 2) + '\n', { mode: 0o600 });
  return {
    tokensFile,
    controllerKubeconfig: join(dir, 'kubeconfig.controller.lab'),
    speakerKubeconfig: join(dir, 'kubeconfig.speaker.lab'),
    tokens,
  };
}

/** The ServiceAccount tokens of a token file written by prepareLabRbac. */
export function readTokensFile(file: string): Record<string, string> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { serviceAccountTokens?: unknown };
  const t = parsed.serviceAccountTokens;
  if (typeof t !== 'object' || t === null) throw new Error(`${file}: no serviceAccountTokens object`);
  return Object.fromEntries(
    Object.entries(t as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}

/** A kubeconfig for plain http with one bearer token (client-node needs insecure-skip-tls-verify for http). */
export function writeTokenKubeconfig(path: string, server: string, user: string, token: string): void {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lab', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user, namespace: 'default' } }],
    'current-context': 'lab',
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
}

/** Apply the shipped RBAC and write the role kubeconfigs against the in-lab API URL. */
export async function installLabRbac(adminKc: KubeConfig, rbac: LabRbac, inLabApiUrl: string): Promise<void> {
  await applyObjects(adminKc, readManifests(rbacManifests()));
  writeTokenKubeconfig(rbac.controllerKubeconfig, inLabApiUrl, CONTROLLER_SA, rbac.tokens.controller);
  writeTokenKubeconfig(rbac.speakerKubeconfig, inLabApiUrl, SPEAKER_SA, rbac.tokens.speaker);
}
