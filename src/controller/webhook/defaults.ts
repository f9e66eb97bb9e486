/**
 * The webhook's flag defaults and flag parsing, apart from the webhook itself so the CLI can build its
 * flags without loading the webhook (certificates, HTTPS server) for roles that never run it.
 */

/** Defaults from the contracts. */
export const WEBHOOK_DEFAULTS = {
  addr: ':9443',
  service: 'openelb-system/openelb-webhook',
  config: 'openelb-webhook',
  certSecret: 'openelb-webhook-cert',
} as const;

/** Parses `--webhook-service` (`<namespace>/<name>`). */
export function parseServiceRef(text: string): { namespace: string; name: string } | { error: string } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(text);
  if (m?.[1] === undefined || m[3] === undefined) {
    return { error: `"${text}" is not <namespace>/<service>, e.g. openelb-system/openelb-webhook` };
  }
  return { namespace: m[1], name: m[3] };
}
