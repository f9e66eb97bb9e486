// The local Kubernetes API: an in-process HTTP server that the real @kubernetes/client-node and kubectl
// use unmodified. See docs/adr/0003-local-kubernetes-api.md for what is faithful and what is not.
//
// Fault controls are also served over HTTP for other processes (the lab):
//   POST /__lab/faults/dropWatches      {}
//   POST /__lab/faults/goneOnNextWatch  {"count"?: number}
//   POST /__lab/faults/failNext         {"count": number, "status": number, "match"?: FaultMatch}
//   POST /__lab/faults/latency          {"ms": number, "match"?: FaultMatch}     (ms 0 clears)
//   POST /__lab/faults/partition        {"match": FaultMatch}
//   POST /__lab/faults/heal             {}
//   POST /__lab/faults/clear            {}
// FaultMatch = {"user"?: bearer token, "method"?: "GET"|..., "pathIncludes"?: substring of path+query}.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { AccessGate, type AccessOptions, type DenialReport } from './authn.js';
import { generateCa, generateServing } from '../../../src/controller/webhook/certs.js';
import { SchemaCache } from './crd.js';
import { FaultState, type Faults } from './faults.js';
import { Handlers } from './handlers.js';
import { Registry } from './registry.js';
import { handleRequest, type ServerDeps } from './server.js';
import { RequestStats } from './request-stats.js';
import { ServiceAllocator } from './services.js';
import { Store } from './store.js';
import type { ActiveWatch } from './watch.js';
import { AdmissionWebhooks } from './webhooks.js';

export type { Faults, FaultMatch } from './faults.js';
export type { AccessOptions, Denial, DenialReport } from './authn.js';

export interface LocalApiOptions {
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Every *.yaml there is installed at start; default <repo>/deploy/crds; missing/empty is fine; null = none. */
  crdDir?: string | null;
  /** Clock for creationTimestamp/deletionTimestamp; default real time. */
  now?: () => Date;
  /** Default 60_000, like real servers. */
  watchBookmarkIntervalMs?: number;
  /** Changes kept for watch-from-resourceVersion; older gives 410 Gone. Default 10_000. */
  historyLimit?: number;
  /**
   * Authenticate and authorize like kube-apiserver with RBAC (docs/adr/0015-rbac-in-local-api.md):
   * token `admin` is the superuser, ServiceAccount tokens act as their ServiceAccount, anything else
   * is 401, and requests need RBAC rules. Default off: any bearer token is a user allowed everything.
   */
  rbac?: boolean | AccessOptions;
  /**
   * Serve HTTPS with a fresh self-signed certificate (kubeconfigs skip verification). Default: on
   * exactly when `rbac` is, because kubectl (client-go) sends credentials only over TLS.
   */
  tls?: boolean;
}

export interface LocalApi {
  /** http://127.0.0.1:<port>, or https:// with `tls`. */
  readonly url: string;
  readonly port: number;
  readonly faults: Faults;
  /** A KubeConfig for this server; `user` becomes the bearer token (default 'admin'). */
  kubeConfig(user?: string): KubeConfig;
  /** Write a kubeconfig file that kubectl and client-node's loadFromFile can use. */
  writeKubeconfig(path: string, user?: string): void;
  /**
   * A bearer token for ServiceAccount `namespace/name` (with `rbac` on it authenticates as
   * system:serviceaccount:<namespace>:<name> while that ServiceAccount exists).
   */
  serviceAccountToken(namespace: string, name: string): string;
  /** What RBAC refused so far; all zero when `rbac` is off. */
  denials(): DenialReport;
  /**
   * Serve HTTP (or HTTPS with `tls`) on a stream that was accepted elsewhere, e.g. a unix socket relay,
   * as if it had connected to the port: no second TCP hop on loopback for every request.
   */
  acceptConnection(socket: Duplex): void;
  /** Drop every connection and listen again on the same port, keeping all state. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'openelb-system'];

/** The repository root: the nearest ancestor of this file with a package.json (works from src and dist). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** The CRD documents of every *.yaml/*.yml/*.json file in `dir`, in file-name order. */
function readCrds(dir: string): { file: string; doc: unknown }[] {
  if (!existsSync(dir)) return [];
  const out: { file: string; doc: unknown }[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!/\.(ya?ml|json)$/.test(f)) continue;
    const file = join(dir, f);
    for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message ?? 'YAML error'}`);
      const doc: unknown = d.toJS();
      if (
        typeof doc === 'object' &&
        doc !== null &&
        (doc as { kind?: unknown }).kind === 'CustomResourceDefinition'
      ) {
        out.push({ file, doc });
      }
    }
  }
  return out;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (err: Error): void => {
      reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => {
      done();
    });
    server.closeAllConnections();
  });
}

/** A serving certificate for the local API; clients skip verification, so the names are informative. */
async function selfSignedCert(now: Date): Promise<{ cert: string; key: string }> {
  const year = 365 * 24 * 3600_000;
  const ca = await generateCa(now.getTime(), year, 'local-kubernetes-api-ca');
  return generateServing(ca, ['localhost', 'kubernetes.default.svc'], now.getTime(), year);
}

/** Start the local API with the default namespaces and the CRDs of `crdDir` installed. */
export async function startLocalApi(opts: LocalApiOptions = {}): Promise<LocalApi> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? (() => new Date());
  const store = new Store(opts.historyLimit ?? 10_000);
  const registry = new Registry();
  const handlers = new Handlers(
    store,
    registry,
    { services: new ServiceAllocator(), schemas: new SchemaCache() },
    now,
  );
  const watches = new Set<ActiveWatch>();
  const dropWatches = (): void => {
    for (const w of [...watches]) w.stop();
    watches.clear();
  };
  const faults = new FaultState(dropWatches);

  const nsDef = registry.lookup('', 'v1', 'namespaces');
  const crdDef = registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  if (nsDef === undefined || crdDef === undefined) throw new Error('registry lacks built-in kinds');
  const none = new URLSearchParams();
  for (const name of DEFAULT_NAMESPACES) {
    handlers.create(
      { def: nsDef, namespace: undefined, name: '', subresource: '' },
      { metadata: { name } },
      none,
    );
  }
  const crdDir = opts.crdDir === undefined ? join(repoRoot(), 'deploy', 'crds') : opts.crdDir;
  if (crdDir !== null) {
    for (const { file, doc } of readCrds(resolve(crdDir))) {
      const r = handlers.create({ def: crdDef, namespace: undefined, name: '', subresource: '' }, doc, none);
      if (r.code !== 201) throw new Error(`cannot install CRD from ${file}: ${JSON.stringify(r.body)}`);
    }
  }

  const access =
    opts.rbac === undefined || opts.rbac === false
      ? undefined
      : new AccessGate(store, opts.rbac === true ? {} : opts.rbac);
  let port = opts.port ?? 0;
  let url = '';
  const requestStats = new RequestStats();
  const deps: ServerDeps = {
    store,
    registry,
    handlers,
    faults,
    now,
    bookmarkIntervalMs: opts.watchBookmarkIntervalMs ?? 60_000,
    serverAddress: () => `${host}:${port}`,
    watches,
    webhooks: new AdmissionWebhooks(store, registry),
    requestStats,
    ...(access === undefined ? {} : { access }),
  };
  const tls = (opts.tls ?? access !== undefined) ? await selfSignedCert(now()) : undefined;
  const makeServer = (): Server => {
    const s = (tls === undefined ? createServer : createTlsServer.bind(null, tls))((req, res) => {
      requestStats.observe(req, res);
      handleRequest(deps, req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              kind: 'Status',
              apiVersion: 'v1',
              metadata: {},
              status: 'Failure',
              message: String(err),
              reason: 'InternalError',
              code: 500,
            }),
          );
        } else res.destroy();
      });
    });
    s.keepAliveTimeout = 65_000;
    return s;
  };
  let server = makeServer();
  port = await listen(server, port, host);
  url = `${tls === undefined ? 'http' : 'https'}://${host}:${port}`;

  const kubeConfig = (user = 'admin'): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'local', server: url, skipTLSVerify: true }],
      users: [{ name: user, token: user }],
      contexts: [{ name: 'local', cluster: 'local', user, namespace: 'default' }],
      currentContext: 'local',
    });
    return kc;
  };

  return {
    get url() {
      return url;
    },
    get port() {
      return port;
    },
    faults,
    kubeConfig,
    serviceAccountToken(namespace: string, name: string): string {
      return (
        access?.issueServiceAccountToken(namespace, name) ?? `system:serviceaccount:${namespace}:${name}`
      );
    },
    denials(): DenialReport {
      return access?.report() ?? { total: 0, byUser: {}, allowedByUser: {}, recent: [] };
    },
    writeKubeconfig(path: string, user = 'admin'): void {
      const doc = {
        apiVersion: 'v1',
        kind: 'Config',
        // client-node refuses plain http unless the cluster skips TLS verification; kubectl ignores the flag for http.
        clusters: [{ name: 'local', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: user, user: { token: user } }],
        contexts: [{ name: 'local', context: { cluster: 'local', user, namespace: 'default' } }],
        'current-context': 'local',
      };
      writeFileSync(path, stringify(doc), { mode: 0o600 });
    },
    acceptConnection(socket: Duplex): void {
      server.emit('connection', socket);
    },
    async restart(): Promise<void> {
      // Sockets first, so clients see resets rather than cleanly ended watch streams.
      server.closeAllConnections();
      dropWatches();
      await close(server);
      server = makeServer();
      await listen(server, port, host);
    },
    async stop(): Promise<void> {
      dropWatches();
      await close(server);
    },
  };
}
