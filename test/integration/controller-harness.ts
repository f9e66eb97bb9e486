// Shared setup of the controller integration tests: the local Kubernetes API with the project's CRDs,
// controllers started in process (each with its own bearer token so faults can target one), and
// small helpers that read objects as raw JSON, exactly as the API serves them.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Service,
} from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { Controller } from '../../src/controller/controller.js';
import type { EipObject, ServiceObject } from '../../src/controller/objects.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { createLeaderElector } from '../../src/kube/leader-election.js';
import { kubeLeaseApi } from '../../src/kube/leader-election-lock.js';
import { waitFor } from '../support/wait.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningController {
  readonly controller: Controller;
  readonly metrics: Metrics;
  readonly user: string;
  /** Stops informers and leader work; resolves once everything returned. */
  stop(): Promise<void>;
}

export interface Harness {
  readonly api: LocalApi;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  start(opts?: {
    user?: string;
    leaderElect?: boolean;
    statusIntervalMs?: number;
    pendingResyncMs?: number;
  }): RunningController;
  stopAll(): Promise<void>;
  raw<T = unknown>(path: string): Promise<T>;
  service(ns: string, name: string): Promise<ServiceObject | undefined>;
  eip(name: string): Promise<EipObject | undefined>;
  createEip(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): Promise<void>;
  createService(ns: string, name: string, o?: ServiceSpec): Promise<void>;
  /** JSON merge patch of an Eip. */
  patchEip(name: string, body: object): Promise<void>;
  deleteEip(name: string): Promise<void>;
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  ipsOf(ns: string, name: string): Promise<string[]>;
  waitForIps(ns: string, name: string, count?: number, timeoutMs?: number): Promise<string[]>;
  events(ns: string, name: string): Promise<{ type: string; reason: string; message: string }[]>;
  waitForEvent(ns: string, name: string, reason: string, match?: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface ServiceSpec {
  annotations?: Record<string, string>;
  type?: string;
  ports?: { port: number; protocol?: string }[];
  loadBalancerClass?: string;
  loadBalancerIP?: string;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
}

export const OPT_IN = { 'lb.kubesphere.io/v1alpha1': 'openelb' };

export async function startHarness(): Promise<Harness> {
  const api = await startLocalApi({ crdDir: join(repo, 'deploy', 'crds'), historyLimit: 100_000 });
  const kc = api.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const running = new Set<RunningController>();
  let users = 0;
  // A part that adds abort listeners without bound is a leak, and an operator reading "Possible
  // EventTarget memory leak detected" in the controller's log cannot tell it from a false alarm:
  // neither may happen while controllers run here (with or without leader election).
  const listenerWarnings: string[] = [];
  const onWarning = (warning: Error): void => {
    if (warning.name === 'MaxListenersExceededWarning') listenerWarnings.push(warning.message);
  };
  process.on('warning', onWarning);

  const raw = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: 'Bearer admin' } });
    if (!res.ok) throw Object.assign(new Error(`GET ${path}: ${res.status}`), { status: res.status });
    return (await res.json()) as T;
  };
  const maybe = async <T>(path: string): Promise<T | undefined> => {
    try {
      return await raw<T>(path);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  };

  const h: Harness = {
    api,
    core,
    custom,
    raw,
    start(opts = {}) {
      const user = opts.user ?? `controller-${++users}`;
      const metrics = new Metrics();
      const controller = new Controller({
        kubeConfig: api.kubeConfig(user),
        log: silentLogger(),
        metrics,
        statusIntervalMs: opts.statusIntervalMs ?? 50,
        ...(opts.pendingResyncMs === undefined ? {} : { pendingResyncMs: opts.pendingResyncMs }),
        instance: user,
      });
      const ac = new AbortController();
      const informers = controller.run(ac.signal);
      let work: Promise<void>;
      if (opts.leaderElect === true) {
        const elector = createLeaderElector(
          {
            leaseName: 'openelb-manager',
            leaseNamespace: 'openelb-system',
            identity: user,
            leaseDurationMs: 2000,
            renewDeadlineMs: 1000,
            retryPeriodMs: 200,
            releaseOnCancel: true,
          },
          { api: kubeLeaseApi(api.kubeConfig(user), 'openelb-system', 'openelb-manager') },
        );
        if (!elector.ok) throw new Error(elector.error);
        work = elector.value.run(ac.signal, { onStartedLeading: (s) => controller.lead(s) });
      } else {
        work = controller.lead(ac.signal);
      }
      const r: RunningController = {
        controller,
        metrics,
        user,
        stop: async () => {
          ac.abort();
          await Promise.all([informers, work]);
          running.delete(r);
        },
      };
      running.add(r);
      return r;
    },
    async stopAll() {
      await Promise.all([...running].map((r) => r.stop()));
    },
    service: (ns, name) => maybe<ServiceObject>(`/api/v1/namespaces/${ns}/services/${name}`),
    eip: (name) => maybe<EipObject>(`/apis/network.kubesphere.io/v1alpha2/eips/${name}`),
    async createEip(name, spec, annotations) {
      await custom.createClusterCustomObject({
        group: 'network.kubesphere.io',
        version: 'v1alpha2',
        plural: 'eips',
        body: {
          apiVersion: 'network.kubesphere.io/v1alpha2',
          kind: 'Eip',
          metadata: { name, ...(annotations === undefined ? {} : { annotations }) },
          spec,
        },
      });
    },
    async patchEip(name, body) {
      await custom.patchClusterCustomObject(
        { group: 'network.kubesphere.io', version: 'v1alpha2', plural: 'eips', name, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
    async deleteEip(name) {
      await custom.deleteClusterCustomObject({
        group: 'network.kubesphere.io',
        version: 'v1alpha2',
        plural: 'eips',
        name,
      });
    },
    async createService(ns, name, o = {}) {
      const body: V1Service = {
        metadata: { name, namespace: ns, annotations: o.annotations ?? OPT_IN },
        spec: {
          type: o.type ?? 'LoadBalancer',
          ports: o.ports ?? [{ port: 80 }],
          ...(o.loadBalancerClass === undefined ? {} : { loadBalancerClass: o.loadBalancerClass }),
          ...(o.loadBalancerIP === undefined ? {} : { loadBalancerIP: o.loadBalancerIP }),
          ...(o.ipFamilies === undefined ? {} : { ipFamilies: o.ipFamilies }),
          ...(o.ipFamilyPolicy === undefined ? {} : { ipFamilyPolicy: o.ipFamilyPolicy }),
        },
      };
      await core.createNamespacedService({ namespace: ns, body });
    },
    async createNamespace(name, labels) {
      await core.createNamespace({
        body: { metadata: { name, ...(labels === undefined ? {} : { labels }) } },
      });
    },
    async ipsOf(ns, name) {
      const s = await h.service(ns, name);
      return (s?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
    },
    async waitForIps(ns, name, count = 1, timeoutMs = 5000) {
      let ips: string[] = [];
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        ips = await h.ipsOf(ns, name);
        if (ips.length >= count) return ips;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(
        `${ns}/${name} has ${JSON.stringify(ips)} after ${timeoutMs} ms, wanted ${count} IP(s)`,
      );
    },
    async events(ns, name) {
      const list = await raw<{
        items: { type: string; reason: string; message: string; involvedObject: { name: string } }[];
      }>(`/api/v1/namespaces/${ns}/events`);
      return list.items.filter((e) => e.involvedObject.name === name);
    },
    async waitForEvent(ns, name, reason, match, timeoutMs = 5000) {
      let found: string | undefined;
      const deadline = Date.now() + timeoutMs;
      while (found === undefined) {
        const evs = await h.events(ns, name);
        found = evs.find(
          (e) => e.reason === reason && (match === undefined || match.test(e.message)),
        )?.message;
        if (found !== undefined) break;
        if (Date.now() > deadline) {
          throw new Error(
            `no ${reason} event on ${ns}/${name} matching ${String(match)}; saw ${JSON.stringify(evs)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return found;
    },
    async stop() {
      await h.stopAll();
      await api.stop();
      process.off('warning', onWarning);
      if (listenerWarnings.length > 0) throw new Error(`controllers warned: ${listenerWarnings.join('; ')}`);
    },
  };
  return h;
}

/** Waits until `check` resolves true (real time; polls every 20 ms). */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { waitFor };
