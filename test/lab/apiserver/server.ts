// HTTP plumbing: authentication (bearer token = user), fault decisions, body decoding and routing to
// handlers, discovery and OpenAPI. Content negotiation and watch streams live in negotiation.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import * as D from './discovery.js';
import * as E from './errors.js';
import { applyFaultCommand, type FaultState } from './faults.js';
import type { Handlers, Reply, Target } from './handlers.js';
import type { Registry, ResourceDef } from './registry.js';
import { openapi } from './openapi.js';
import { decodeProtobuf } from './protobuf.js';
import { parsePath, type Route } from './routes.js';
import type { AccessGate } from './authn.js';
import type { RequestStats } from './request-stats.js';
import type { Store } from './store.js';
import type { ActiveWatch } from './watch.js';
import { writeThroughWebhooks, type AdmissionWebhooks } from './webhooks.js';
import { representation, send, serveWatch, shape } from './negotiation.js';

const MAX_BODY = 3 * 1024 * 1024;

/** Everything a request needs; owned by LocalApi. */
export interface ServerDeps {
  readonly store: Store;
  readonly registry: Registry;
  readonly handlers: Handlers;
  readonly faults: FaultState;
  readonly now: () => Date;
  readonly bookmarkIntervalMs: number;
  readonly serverAddress: () => string;
  readonly watches: Set<ActiveWatch>;
  /** Validating admission webhooks; absent = none are called. */
  readonly webhooks?: AdmissionWebhooks;
  /** Authentication + RBAC; absent = every bearer token is a user allowed everything. */
  readonly access?: AccessGate;
  /** Request tally for benchmarks (GET /__lab/requests). */
  readonly requestStats?: RequestStats;
}

function userOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  return m?.[1]?.trim() ?? 'system:anonymous';
}

function readBody(req: IncomingMessage): Promise<E.Result<Buffer>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY)
        resolve(E.fail(E.status(413, 'RequestEntityTooLarge', 'the request body is too large')));
      else resolve(E.ok(Buffer.concat(chunks)));
    });
    req.on('error', () => {
      resolve(E.fail(E.badRequest('error reading request body')));
    });
  });
}

function decodeBody(raw: Buffer, contentType: string, def: ResourceDef | undefined): E.Result<unknown> {
  if (contentType.startsWith('application/vnd.kubernetes.protobuf') && raw.length > 0)
    return decodeProtobuf(raw);
  const text = raw.toString('utf8');
  if (text.trim() === '') return E.ok(undefined);
  try {
    if (
      contentType.startsWith('application/apply-patch+yaml') ||
      contentType.startsWith('application/yaml')
    ) {
      return E.ok(parseYaml(text) as unknown);
    }
    return E.ok(JSON.parse(text) as unknown);
  } catch (err) {
    const what = def === undefined ? '' : ` (must be of type ${def.kind})`;
    const detail = err instanceof Error ? err.message : String(err);
    return E.fail(
      E.badRequest(
        `the object provided is unrecognized${what}: couldn't get version/kind; json parse error: ${detail}`,
      ),
    );
  }
}

function isWatch(q: URLSearchParams): boolean {
  const w = q.get('watch');
  return w === 'true' || w === '1';
}

/** Handles one HTTP request against the shared state. */
export async function handleRequest(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const r = await dispatch(deps, req, res);
  if (r !== undefined) send(res, r.code, r.body, r.warnings);
}

function failed(s: E.StatusBody): Reply {
  return { code: s.code, body: s };
}

function found(body: unknown): Reply {
  return body === undefined ? failed(E.pathNotFound()) : { code: 200, body };
}

/** Route one request; undefined when the response was already written (watch, health, partition). */
async function dispatch(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Reply | undefined> {
  let url: URL;
  let route: Route;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
    route = parsePath(url.pathname);
  } catch {
    return failed(E.badRequest('malformed request path'));
  }
  const method = (req.method ?? 'GET').toUpperCase();
  if (route.kind === 'faults') {
    const body = await readBody(req);
    const parsed = body.ok ? decodeBody(body.value, 'application/json', undefined) : body;
    if (!parsed.ok) return failed(parsed.status);
    const err = method === 'POST' ? applyFaultCommand(deps.faults, route.action, parsed.value) : 'use POST';
    return err === undefined ? { code: 200, body: { ok: true } } : failed(E.badRequest(err));
  }
  const decision = deps.faults.decide({ user: userOf(req), method, path: `${url.pathname}${url.search}` });
  if (decision.delayMs > 0) await new Promise((r) => setTimeout(r, decision.delayMs));
  if (decision.action.kind === 'destroy') {
    req.socket.destroy();
    return undefined;
  }
  if (decision.action.kind === 'fail') return failed(decision.action.status);
  if (res.destroyed) return undefined;
  if (route.kind === 'requestStats') {
    if (deps.requestStats === undefined) return failed(E.pathNotFound());
    if (method === 'POST') deps.requestStats.reset();
    return found(deps.requestStats.report());
  }
  if (route.kind === 'authzReport')
    return deps.access === undefined ? failed(E.pathNotFound()) : found(deps.access.report());
  const denied = deps.access?.check(req.headers.authorization, method, route, url.pathname, url.searchParams);
  if (denied !== undefined) return failed(denied);

  switch (route.kind) {
    case 'version':
      return found(D.VERSION_INFO);
    case 'health':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return undefined;
    case 'openapi':
      if (url.pathname.replace(/\/$/, '') === '/openapi/v2') {
        // An empty protobuf is an empty OpenAPI v2 document: kubectl then reports unknown kinds as
        // "resource mapping not found" instead of failing to download a schema. (The media type must use
        // '.v1.0', not '@v1.0': Go's mime parser rejects the '@'.)
        res.writeHead(200, {
          'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
          'Content-Length': 0,
        });
        res.end();
        return undefined;
      }
      return found(openapi(deps.registry, url.pathname));
    case 'coreVersions':
      return found(D.coreVersions(deps.serverAddress()));
    case 'groupList':
      return found(D.groupList(deps.registry));
    case 'group':
      return found(D.group(deps.registry, route.group));
    case 'resourceList':
      return found(D.resourceList(deps.registry, route.group, route.version));
    case 'unknown':
      return failed(E.pathNotFound());
    case 'resource':
      return resourceRequest(deps, route, method, url, req, res);
  }
}

async function resourceRequest(
  deps: ServerDeps,
  route: Extract<Route, { kind: 'resource' }>,
  method: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Reply | undefined> {
  const def = deps.registry.lookup(route.group, route.version, route.plural);
  const subOk =
    route.subresource === '' || (route.subresource === 'status' && def?.statusSubresource === true);
  if (def === undefined || (route.namespace !== undefined && !def.namespaced) || !subOk) {
    return failed(E.pathNotFound());
  }
  const target: Target = {
    def,
    namespace: route.namespace,
    name: route.name,
    subresource: route.subresource,
  };
  const q = url.searchParams;
  const repr = representation(req, q);

  if (method === 'GET' && (isWatch(q) || route.watchPrefix)) {
    serveWatch(deps, target, q, repr, req, res);
    return undefined;
  }
  let body: unknown;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
    const raw = await readBody(req);
    if (!raw.ok) return failed(raw.status);
    const parsed = decodeBody(raw.value, req.headers['content-type'] ?? 'application/json', def);
    if (!parsed.ok) return failed(parsed.status);
    body = parsed.value;
    if (body === undefined && method !== 'DELETE') {
      return failed(
        E.badRequest(
          `the object provided is unrecognized (must be of type ${def.kind}): Object 'Kind' is missing in ''`,
        ),
      );
    }
  }
  const h = deps.handlers;
  const needsNs = def.namespaced && route.namespace === undefined;
  let result: Reply;
  const hooked = (run: (q: URLSearchParams) => Reply): Promise<Reply> =>
    writeThroughWebhooks(deps.webhooks, deps.store, target, method, userOf(req), q, run);
  if (method === 'GET') result = route.name === '' ? h.list(target, q) : h.get(target);
  else if (method === 'POST' && route.name === '' && !needsNs)
    result = await hooked((p) => h.create(target, body, p));
  else if (method === 'PUT' && route.name !== '' && !needsNs)
    result = await hooked((p) => h.update(target, body, p));
  else if (method === 'PATCH' && route.name !== '' && !needsNs) {
    result = await hooked((p) => h.patch(target, body, req.headers['content-type'] ?? '', p));
  } else if (method === 'DELETE' && route.name !== '' && !needsNs) {
    result = await hooked((p) => h.delete(target, body, p));
  } else if (method === 'DELETE' && route.name === '') result = h.deleteCollection(target, body, q);
  else result = failed(E.methodNotAllowed());
  return result.code < 300 ? { ...result, body: shape(deps, target, result.body, repr) } : result;
}
