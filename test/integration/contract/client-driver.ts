// ContractDriver over the real @kubernetes/client-node 1.4: KubernetesObjectApi (which resolves
// kinds through discovery), the typed discovery APIs and Watch.

import * as k8s from '@kubernetes/client-node';
import type { ContractDriver, Obj, Outcome, Ref, WatchEvent } from './driver.js';

/** ApiException (body may be a JSON string or the parsed Status) reduced to an Outcome. */
export function outcomeOfError(err: unknown): Outcome & { ok: false; code: number; status: Obj | undefined } {
  if (err instanceof k8s.ApiException) {
    const raw: unknown = err.body;
    let status: Obj | undefined;
    if (typeof raw === 'string') {
      try {
        status = JSON.parse(raw) as Obj;
      } catch {
        status = undefined;
      }
    } else if (typeof raw === 'object' && raw !== null) status = raw as Obj;
    const reason = typeof status?.['reason'] === 'string' ? status['reason'] : 'Unknown';
    const message = typeof status?.['message'] === 'string' ? status['message'] : String(raw);
    return { ok: false, reason, message, code: err.code, status };
  }
  return {
    ok: false,
    reason: 'ClientError',
    message: err instanceof Error ? err.message : String(err),
    code: 0,
    status: undefined,
  };
}

async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    await p;
    return { ok: true };
  } catch (err) {
    const { ok, reason, message } = outcomeOfError(err);
    return { ok, reason, message };
  }
}

type Header = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

/** What KubernetesObjectApi needs to find an object: apiVersion, kind, name, namespace. */
function header(ref: Ref): Header {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace },
  };
}

function listPath(ref: Omit<Ref, 'name'>): string {
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  return ref.namespace === undefined
    ? `${base}/${ref.resource}`
    : `${base}/namespaces/${ref.namespace}/${ref.resource}`;
}

export class ClientNodeDriver implements ContractDriver {
  readonly client = 'client-node';
  private readonly objects: k8s.KubernetesObjectApi;
  private readonly aborts = new Set<AbortController>();

  constructor(private readonly kc: k8s.KubeConfig) {
    this.objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  }

  async apiResources(): Promise<string[]> {
    const out: string[] = [];
    const core = await this.kc.makeApiClient(k8s.CoreV1Api).getAPIResources();
    for (const r of core.resources) if (!r.name.includes('/')) out.push(r.name);
    const groups = await this.kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    const custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    for (const g of groups.groups) {
      const version = g.preferredVersion?.version ?? g.versions[0]?.version ?? '';
      const list = await custom.getAPIResources({ group: g.name, version });
      for (const r of list.resources) if (!r.name.includes('/')) out.push(`${r.name}.${g.name}`);
    }
    return out;
  }

  async get(ref: Ref): Promise<Obj | undefined> {
    try {
      return (await this.objects.read(header(ref))) as unknown as Obj;
    } catch (err) {
      if (err instanceof k8s.ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  async list(ref: Omit<Ref, 'name'>, labelSelector?: string): Promise<string[]> {
    const l = await this.objects.list(
      ref.apiVersion,
      ref.kind,
      ref.namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      labelSelector,
    );
    return l.items.map((i) => i.metadata?.name ?? '');
  }

  create(obj: Obj): Promise<Outcome> {
    return outcome(this.objects.create(obj));
  }

  async apply(obj: Obj): Promise<Outcome> {
    const created = await this.create(obj);
    if (created.ok || created.reason !== 'AlreadyExists') return created;
    return outcome(
      this.objects.patch(obj, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch),
    );
  }

  annotate(ref: Ref, key: string, value: string): Promise<Outcome> {
    return this.patchMerge(ref, { metadata: { annotations: { [key]: value } } });
  }

  label(ref: Ref, key: string, value: string): Promise<Outcome> {
    return this.patchMerge(ref, { metadata: { labels: { [key]: value } } });
  }

  patchMerge(ref: Ref, patch: Obj): Promise<Outcome> {
    const body = {
      ...patch,
      ...header(ref),
      metadata: { ...(patch['metadata'] as Obj | undefined), ...header(ref).metadata },
    };
    return outcome(
      this.objects.patch(body, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch),
    );
  }

  replace(obj: Obj): Promise<Outcome> {
    return outcome(this.objects.replace(obj));
  }

  async deleteAndWait(ref: Ref, timeoutMs: number): Promise<Outcome> {
    const deleted = await outcome(this.objects.delete(header(ref)));
    if (!deleted.ok) return deleted;
    const deadline = Date.now() + timeoutMs;
    while ((await this.get(ref)) !== undefined) {
      if (Date.now() > deadline) return { ok: false, reason: 'Timeout', message: `${ref.name} still exists` };
      await new Promise((r) => setTimeout(r, 25));
    }
    return { ok: true };
  }

  async watch(ref: Omit<Ref, 'name'>, onEvent: (e: WatchEvent) => void): Promise<{ stop: () => void }> {
    const ac = await new k8s.Watch(this.kc).watch(
      listPath(ref),
      {},
      (type: string, obj: { metadata?: { name?: string } }) => {
        onEvent({ type, name: obj.metadata?.name ?? '' });
      },
      () => undefined,
    );
    this.aborts.add(ac);
    return {
      stop: () => {
        ac.abort();
        this.aborts.delete(ac);
      },
    };
  }

  close(): void {
    for (const ac of this.aborts) ac.abort();
    this.aborts.clear();
  }
}
