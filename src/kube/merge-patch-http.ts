/**
 * A lean PatchCall for the controller's hot writes. client-node 1.4 turns every PATCH into typed
 * models (ObjectSerializer walks the whole answer, dates become Date objects) on top of node-fetch,
 * and we then turn the answer back into wire JSON. Profiling a 1,000-Service burst put about half of
 * the controller's CPU there. This sends the merge patch with node's http(s) client, the KubeConfig's
 * credentials (`applyToHTTPSOptions`: bearer token or token file, client certificate, CA,
 * skipTLSVerify, proxy agent) and its agent, and parses the JSON answer as is.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { FIELD_MANAGER } from './constants.js';
import { serverBase, type ServerBase } from './server-base.js';
import type { ObjectRef, PatchCall } from './status.js';

/** An answer other than 2xx, shaped like client-node's ApiException (`code`, `body`) for classifyApiError. */
export class PatchHttpError extends Error {
  readonly code: number;
  readonly body: string;

  constructor(code: number, body: string) {
    super(`HTTP ${String(code)} from the Kubernetes API`);
    this.name = 'PatchHttpError';
    this.code = code;
    this.body = body;
  }
}

/** Options of {@link mergePatchCall}. */
export interface MergePatchCallOptions {
  /** A request that sees no progress for this long fails as a network error. @default 30_000 */
  readonly timeoutMs?: number;
  /**
   * How long the KubeConfig's credentials, TLS files and agent are reused before they are applied
   * again (a rotated token or certificate is picked up within this time). @default 1000
   */
  readonly credentialsTtlMs?: number;
  /** Milliseconds of a monotonic clock (tests). @default performance.now */
  readonly now?: () => number;
}

/** What `applyToHTTPSOptions` adds to a request: credentials, TLS options, agent. */
type Credentials = Readonly<RequestOptions & Record<string, unknown>>;

/**
 * `kc.applyToHTTPSOptions` for `server`, at most once per `ttlMs`. client-node reads the CA, client
 * certificate and key files, picks the auth header and asks for an agent on every call: done per
 * PATCH, that was ~4 % of the controller's CPU in a 1,000-Service burst (more in a cluster, where
 * the CA is a file). Concurrent callers share one application; a failed one is not kept.
 */
function credentialsCache(
  kc: KubeConfig,
  ttlMs: number,
  now: () => number,
): (server: string) => Promise<Credentials> {
  let cached:
    { readonly server: string; readonly at: number; readonly value: Promise<Credentials> } | undefined;
  return (server) => {
    const t = now();
    if (cached?.server === server && t - cached.at < ttlMs) return cached.value;
    const applied: RequestOptions & Record<string, unknown> = {};
    const value = kc.applyToHTTPSOptions(applied).then(() => applied as Credentials);
    const entry = { server, at: t, value };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}

const enc = encodeURIComponent;
const FIELD_MANAGER_QUERY = `?fieldManager=${enc(FIELD_MANAGER)}`;

/**
 * The API path of `ref` (and its subresource), or an error for kinds the patcher does not write.
 * The same kinds as clientNodePatchCall: core Services and Nodes, and any object of a named group.
 */
export function patchPath(ref: ObjectRef, subresource: '' | 'status'): string | Error {
  const { group, version, plural, namespace, name } = ref;
  const sub = subresource === '' ? '' : `/${subresource}`;
  if (group === '') {
    if (plural === 'services' && namespace !== undefined)
      return `/api/${enc(version)}/namespaces/${enc(namespace)}/services/${enc(name)}${sub}`;
    if (plural === 'nodes') return `/api/${enc(version)}/nodes/${enc(name)}${sub}`;
    return new Error(`patching core/v1 ${plural} is not supported`);
  }
  const ns = namespace === undefined ? '' : `/namespaces/${enc(namespace)}`;
  return `/apis/${enc(group)}/${enc(version)}${ns}/${enc(plural)}/${enc(name)}${sub}`;
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    res.on('error', reject);
  });
}

function send(options: RequestOptions, body: string, timeoutMs: number): Promise<unknown> {
  const request = options.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      readBody(res).then((text) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          reject(new PatchHttpError(status, text));
          return;
        }
        try {
          resolve(JSON.parse(text) as unknown);
        } catch {
          reject(new Error(`the Kubernetes API answered ${String(status)} with a body that is not JSON`));
        }
      }, reject);
    });
    req.setTimeout(timeoutMs, () => {
      // A string `code` makes classifyApiError call it a network failure (retried with backoff).
      req.destroy(
        Object.assign(new Error(`no answer within ${String(timeoutMs)} ms`), { code: 'ETIMEDOUT' }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The PatchCall over node's http(s) client: JSON merge patch, the project's field manager, answers
 * in wire form. Credentials are applied again once they are `credentialsTtlMs` old, so a rotated
 * token or certificate is picked up as client-node would, at most that much later; the agent comes
 * from the KubeConfig (keep-alive with reuseConnections).
 */
export function mergePatchCall(kc: KubeConfig, options: MergePatchCallOptions = {}): PatchCall {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const credentials = credentialsCache(
    kc,
    options.credentialsTtlMs ?? 1000,
    options.now ?? (() => performance.now()),
  );
  let target: { readonly server: string; readonly base: ServerBase } | undefined;
  return async (ref, subresource, patch) => {
    const path = patchPath(ref, subresource);
    if (path instanceof Error) throw path;
    const server = kc.getCurrentCluster()?.server;
    if (server === undefined || server === '') throw new Error('the kubeconfig names no API server');
    // A burst writes thousands of times to one server: parse it once, not into URL objects per write.
    if (target?.server !== server) target = { server, base: serverBase(server) };
    const { base } = target;
    const body = JSON.stringify(patch);
    const applied = await credentials(server);
    const opts: RequestOptions & Record<string, unknown> = {
      ...applied,
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      path: `${base.prefix}${path}${FIELD_MANAGER_QUERY}`,
      method: 'PATCH',
      headers: {
        ...(applied.headers as Record<string, string> | undefined),
        'Content-Type': 'application/merge-patch+json',
        Accept: 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
      },
    };
    return send(opts, body, timeoutMs);
  };
}
