/**
 * The parts of an API server URL that the lean HTTP paths (merge-patch-http.ts, the benchmark's
 * creates) put into node's request options, parsed once per server rather than per request.
 */

/** Protocol, host, port and path prefix of an API server URL. */
export interface ServerBase {
  readonly protocol: string;
  /** Without the brackets of an IPv6 literal, as node's request options want it. */
  readonly hostname: string;
  readonly port: string;
  /** The server URL's path without its trailing slash (e.g. a Rancher cluster proxy prefix). */
  readonly prefix: string;
}

/** Parses `server` (a kubeconfig cluster's `server`); throws on a malformed URL. */
export function serverBase(server: string): ServerBase {
  const url = new URL(server);
  return {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port,
    prefix: url.pathname.replace(/\/$/, ''),
  };
}
