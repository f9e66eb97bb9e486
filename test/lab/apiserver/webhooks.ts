// Validating admission webhooks, called like kube-apiserver calls them: after schema admission,
// every ValidatingWebhookConfiguration whose rules match the write (groups, versions with
// matchPolicy Equivalent, resources and subresources, operations, scope, namespaceSelector,
// objectSelector) gets an AdmissionReview v1 over HTTPS, verified against its caBundle. A Service
// reference is resolved through the Service's Endpoints (or EndpointSlices) in the store, as the
// real server's endpoint routing does. Writes that no rule matches cost one pass over a cached
// list of rules.

import { randomUUID } from 'node:crypto';
import * as E from './errors.js';
import type { Reply, Target } from './handlers.js';
import { present } from './objects.js';
import type { Registry, ResourceDef } from './registry.js';
import { meta, type Obj, type Store } from './store.js';
import { cause, post } from './webhook-call.js';
import {
  hooksOf,
  labelsOf,
  rec,
  resourceMatches,
  selectorMatches,
  strings,
  type Hook,
} from './webhook-rules.js';

const VWC_KEY = 'admissionregistration.k8s.io/validatingwebhookconfigurations';

/** What a write looks like to admission. */
export interface AdmissionAttributes {
  readonly def: ResourceDef;
  readonly subresource: string;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly namespace: string;
  readonly name: string;
  /** The object as it would be stored (null for DELETE). */
  readonly object: Obj | null;
  readonly oldObject: Obj | null;
  readonly user: string;
  readonly dryRun: boolean;
}

/** The verdict of every matching webhook: a Status to fail the request with, and warnings to pass on. */
export interface WebhookOutcome {
  readonly denied?: E.StatusBody;
  readonly warnings: readonly string[];
}

interface CallTarget {
  /** What kube-apiserver shows in errors: https://<svc>.<ns>.svc:<port><path>?timeout=Ns */
  readonly display: string;
  readonly connect?: {
    readonly host: string;
    readonly port: number;
    readonly servername: string;
    readonly path: string;
  };
  readonly error?: string;
}

/** The Validating admission webhooks of one local API. */
export class AdmissionWebhooks {
  #hooks: Hook[] | undefined;

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
  ) {
    store.subscribe(VWC_KEY, () => {
      this.#hooks = undefined;
    });
  }

  #all(): Hook[] {
    this.#hooks ??= this.store.list(VWC_KEY, undefined).flatMap(hooksOf);
    return this.#hooks;
  }

  /**
   * The webhooks whose rules match the write, each with the resource definition (version) it wants
   * the object in. Cheap: no I/O, nothing but the cached rules.
   */
  matching(
    def: ResourceDef,
    subresource: string,
    operation: string,
  ): { readonly hook: Hook; readonly as: ResourceDef }[] {
    const hooks = this.#all();
    if (hooks.length === 0) return [];
    // Like kube-apiserver: webhook configurations themselves are never intercepted.
    if (def.group === 'admissionregistration.k8s.io') return [];
    const out: { hook: Hook; as: ResourceDef }[] = [];
    for (const hook of hooks) {
      let as: ResourceDef | undefined;
      for (const r of hook.rules) {
        if (!r.operations.includes(operation) && !r.operations.includes('*')) continue;
        if (!r.apiGroups.includes(def.group) && !r.apiGroups.includes('*')) continue;
        if (!resourceMatches(r.resources, def.plural, subresource)) continue;
        if (r.scope === 'Cluster' && def.namespaced) continue;
        if (r.scope === 'Namespaced' && !def.namespaced) continue;
        if (r.apiVersions.includes(def.version) || r.apiVersions.includes('*')) {
          as = def;
          break;
        }
        if (hook.matchPolicy !== 'Equivalent') continue;
        // The same stored resource in another served version the rule names (conversion: apiVersion only).
        as = r.apiVersions
          .map((v) => this.registry.lookup(def.group, v, def.plural))
          .find((d) => d !== undefined && d.storageKey === def.storageKey);
        if (as !== undefined) break;
      }
      if (as !== undefined) out.push({ hook, as });
    }
    return out;
  }

  #selected(hook: Hook, a: AdmissionAttributes): boolean {
    if (
      !selectorMatches(hook.objectSelector, labelsOf(a.object)) &&
      !selectorMatches(hook.objectSelector, labelsOf(a.oldObject))
    ) {
      return false;
    }
    if (hook.namespaceSelector === undefined) return true;
    if (a.def.group === '' && a.def.plural === 'namespaces') {
      return selectorMatches(hook.namespaceSelector, labelsOf(a.object ?? a.oldObject));
    }
    if (!a.def.namespaced) return true;
    const ns = this.store.get('/namespaces', '', a.namespace);
    return selectorMatches(hook.namespaceSelector, labelsOf(ns));
  }

  #target(hook: Hook): CallTarget {
    const cc = hook.clientConfig;
    const timeout = `?timeout=${hook.timeoutSeconds}s`;
    if (typeof cc['url'] === 'string') {
      const url = new URL(cc['url']);
      const port = url.port === '' ? 443 : Number(url.port);
      return {
        display: `${cc['url']}${timeout}`,
        connect: { host: url.hostname, port, servername: url.hostname, path: `${url.pathname}${timeout}` },
      };
    }
    const svc = rec(cc['service']);
    const name = typeof svc['name'] === 'string' ? svc['name'] : '';
    const namespace = typeof svc['namespace'] === 'string' ? svc['namespace'] : '';
    const port = typeof svc['port'] === 'number' ? svc['port'] : 443;
    const path = typeof svc['path'] === 'string' ? svc['path'] : '/';
    const servername = `${name}.${namespace}.svc`;
    const display = `https://${servername}:${port}${path}${timeout}`;
    const service = this.store.get('/services', namespace, name);
    if (service === undefined) return { display, error: `service "${name}" not found` };
    const ports = Array.isArray(rec(service['spec'])['ports'])
      ? (rec(service['spec'])['ports'] as unknown[])
      : [];
    const sp = ports.map(rec).find((p) => p['port'] === port);
    if (sp === undefined) return { display, error: `service "${name}" has no port ${port}` };
    const endpoint = this.#endpoint(namespace, name, typeof sp['name'] === 'string' ? sp['name'] : '');
    if (endpoint === undefined) return { display, error: `no endpoints available for service "${name}"` };
    return { display, connect: { ...endpoint, servername, path: `${path}${timeout}` } };
  }

  /** The first ready address of the Service's Endpoints (or EndpointSlices) with the port named like the Service port. */
  #endpoint(
    namespace: string,
    service: string,
    portName: string,
  ): { host: string; port: number } | undefined {
    const pick = (ports: unknown[]): number | undefined => {
      const list = ports.map(rec);
      const p = list.length === 1 ? list[0] : list.find((x) => (x['name'] ?? '') === portName);
      return typeof p?.['port'] === 'number' ? p['port'] : undefined;
    };
    const ep = this.store.get('/endpoints', namespace, service);
    const subsets = ep === undefined || !Array.isArray(ep['subsets']) ? [] : (ep['subsets'] as unknown[]);
    for (const s of subsets.map(rec)) {
      const addr = (Array.isArray(s['addresses']) ? (s['addresses'] as unknown[]) : []).map(rec)[0];
      const port = pick(Array.isArray(s['ports']) ? (s['ports'] as unknown[]) : []);
      if (typeof addr?.['ip'] === 'string' && port !== undefined) return { host: addr['ip'], port };
    }
    for (const slice of this.store.list('discovery.k8s.io/endpointslices', namespace)) {
      if (labelsOf(slice)['kubernetes.io/service-name'] !== service) continue;
      const port = pick(Array.isArray(slice['ports']) ? (slice['ports'] as unknown[]) : []);
      const eps = (Array.isArray(slice['endpoints']) ? (slice['endpoints'] as unknown[]) : []).map(rec);
      const ready = eps.find((e) => rec(e['conditions'])['ready'] !== false);
      const addr = strings(ready?.['addresses'])[0];
      if (addr !== undefined && port !== undefined) return { host: addr, port };
    }
    return undefined;
  }

  /** Call every matching webhook (in parallel, like kube-apiserver's validating phase). */
  async call(
    matches: readonly { hook: Hook; as: ResourceDef }[],
    a: AdmissionAttributes,
  ): Promise<WebhookOutcome> {
    const selected = matches.filter((m) => this.#selected(m.hook, a));
    const results = await Promise.all(selected.map((m) => this.#callOne(m.hook, m.as, a)));
    const warnings = results.flatMap((r) => r.warnings);
    const denied = results.find((r) => r.denied !== undefined)?.denied;
    return denied === undefined ? { warnings } : { denied, warnings };
  }

  async #callOne(hook: Hook, as: ResourceDef, a: AdmissionAttributes): Promise<WebhookOutcome> {
    const target = this.#target(hook);
    const failed = (why: string): WebhookOutcome => {
      if (hook.failurePolicy === 'Ignore') return { warnings: [] };
      const message = `failed calling webhook "${hook.name}": failed to call webhook: Post "${target.display}": ${why}`;
      return {
        denied: E.status(500, 'InternalError', `Internal error occurred: ${message}`, {
          causes: [{ reason: '', field: '', message }],
        }),
        warnings: [],
      };
    };
    if (target.connect === undefined) return failed(target.error ?? 'no address');
    const uid = randomUUID();
    const gvk = { group: as.group, version: as.version, kind: as.kind };
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: gvk,
        resource: { group: as.group, version: as.version, resource: as.plural },
        ...(a.subresource === '' ? {} : { subResource: a.subresource }),
        requestKind: { group: a.def.group, version: a.def.version, kind: a.def.kind },
        requestResource: { group: a.def.group, version: a.def.version, resource: a.def.plural },
        name: a.name,
        ...(a.def.namespaced ? { namespace: a.namespace } : {}),
        operation: a.operation,
        userInfo: { username: a.user, groups: ['system:authenticated'] },
        object: a.object === null ? null : present(as, a.object),
        oldObject: a.oldObject === null ? null : present(as, a.oldObject),
        dryRun: a.dryRun,
        options: {
          apiVersion: 'meta.k8s.io/v1',
          kind: { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' }[a.operation],
        },
      },
    };
    const ca = typeof hook.clientConfig['caBundle'] === 'string' ? hook.clientConfig['caBundle'] : '';
    let body: string;
    try {
      body = await post(target.connect, JSON.stringify(review), ca, hook.timeoutSeconds * 1000);
    } catch (err) {
      return failed(cause(err, `${target.connect.host}:${target.connect.port}`, target.connect.servername));
    }
    let response: Record<string, unknown>;
    try {
      response = rec(rec(JSON.parse(body) as unknown)['response']);
    } catch {
      return failed('the webhook did not answer with JSON');
    }
    if (response['uid'] !== uid) {
      return failed(`expected response.uid="${uid}", got ${JSON.stringify(response['uid'] ?? null)}`);
    }
    const warnings = strings(response['warnings']);
    if (response['allowed'] === true) return { warnings };
    const st = rec(response['status']);
    const message =
      typeof st['message'] === 'string' && st['message'] !== ''
        ? `: ${st['message']}`
        : ' without explanation';
    const code = typeof st['code'] === 'number' && st['code'] >= 400 ? st['code'] : 400;
    const reason =
      typeof st['reason'] === 'string' && st['reason'] !== ''
        ? st['reason']
        : code === 403
          ? 'Forbidden'
          : 'BadRequest';
    return {
      denied: E.status(code, reason, `admission webhook "${hook.name}" denied the request${message}`),
      warnings,
    };
  }
}

function withWarnings(r: Reply, extra: readonly string[]): Reply {
  return extra.length === 0 ? r : { ...r, warnings: [...(r.warnings ?? []), ...extra] };
}

/**
 * Run one write through the webhooks: when any rule matches, the write is first performed as a dry
 * run (so the webhook sees the object exactly as it would be stored, after schema admission), the
 * webhooks are called, and only then is the real write made. `run` performs the write with the
 * given query parameters. Writes that match no rule go straight to `run`.
 */
export async function writeThroughWebhooks(
  hooks: AdmissionWebhooks | undefined,
  store: Store,
  t: Target,
  method: string,
  user: string,
  q: URLSearchParams,
  run: (q: URLSearchParams) => Reply,
): Promise<Reply> {
  if (hooks === undefined || (method === 'DELETE' && t.name === '')) return run(q);
  const ns = t.def.namespaced ? (t.namespace ?? '') : '';
  const cur = t.name === '' ? undefined : store.get(t.def.storageKey, ns, t.name);
  const operation =
    method === 'POST' ? 'CREATE' : method === 'DELETE' ? 'DELETE' : cur === undefined ? 'CREATE' : 'UPDATE';
  const matches = hooks.matching(t.def, t.subresource, operation);
  if (matches.length === 0) return run(q);
  const dryRun = q.getAll('dryRun').includes('All');
  let object: Obj | null = null;
  let preview: Reply | undefined;
  if (operation === 'DELETE') {
    if (cur === undefined) return run(q);
  } else {
    const dq = new URLSearchParams(q);
    if (!dryRun) dq.append('dryRun', 'All');
    preview = run(dq);
    if (preview.code >= 300) return preview;
    object = rec(preview.body);
  }
  const stored = object === null ? undefined : meta(object)['name'];
  const name = typeof stored === 'string' ? stored : t.name;
  const outcome = await hooks.call(matches, {
    def: t.def,
    subresource: t.subresource,
    operation,
    namespace: ns,
    name,
    object,
    oldObject: cur ?? null,
    user,
    dryRun,
  });
  if (outcome.denied !== undefined) return { code: outcome.denied.code, body: outcome.denied };
  if (dryRun && preview !== undefined) return withWarnings(preview, outcome.warnings);
  return withWarnings(run(q), outcome.warnings);
}
