/**
 * The burst's Service creates without client-node's typed path. `createNamespacedService` runs the
 * body through ObjectSerializer, sends it with node-fetch and turns the 201 answer back into a typed
 * V1Service the benchmark never reads: about half of the benchmark's own CPU in a 1,000-Service burst,
 * on a 2-core box where the benchmark competes with what it measures. This POSTs the same JSON to the
 * same path with the KubeConfig's credentials and keep-alive agent and only checks the status code.
 */
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { serverBase } from '../src/kube/server-base.js';

/** Creates one object by POST to `path` (e.g. `/api/v1/namespaces/default/services`); throws on non-2xx. */
export type LeanCreate = (path: string, body: object) => Promise<void>;

/** One request with an optional JSON body; throws on non-2xx. */
export type LeanRequest = (method: string, path: string, body?: object) => Promise<void>;

/** A {@link LeanCreate} over `kc`'s current cluster. */
export function leanCreate(kc: KubeConfig): LeanCreate {
  const send = leanRequest(kc);
  return (path, body) => send('POST', path, body);
}

/** A {@link LeanRequest} over `kc`'s current cluster (the burst's creates, and its deletes between rounds). */
export function leanRequest(kc: KubeConfig): LeanRequest {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined || server === '') throw new Error('the kubeconfig names no API server');
  const base = serverBase(server);
  const request = base.protocol === 'http:' ? httpRequest : httpsRequest;
  return async (method, path, body) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const options: RequestOptions & Record<string, unknown> = {
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      path: `${base.prefix}${path}`,
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        Accept: 'application/json',
        'Content-Length': String(Buffer.byteLength(text)),
      },
    };
    await kc.applyToHTTPSOptions(options);
    await new Promise<void>((resolve, reject) => {
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else
            reject(
              new Error(`${method} ${path}: HTTP ${String(status)} ${Buffer.concat(chunks).toString()}`),
            );
        });
      });
      req.on('error', reject);
      req.end(text);
    });
  };
}
