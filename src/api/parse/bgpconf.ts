/** BgpConf CR (v1alpha1 or v1alpha2) -> validated global BGP configuration. */
import type { Static } from '@sinclair/typebox';
import { formatIp, parseIp } from '../../ip/address.js';
import { childPath, dedupeByPath, type FieldError, type ParseResult } from '../errors.js';
import { BGP_CONF, DEFAULT_BGP_CONF_NAME, LABEL_CNI, type ApiVersion } from '../keys.js';
import {
  BGP_DEFAULT_PORT,
  BgpConfV1alpha1,
  BgpConfV1alpha2,
  LISTEN_PORT_DISABLED,
} from '../schema/bgpconf.js';
import type { GracefulRestart } from '../schema/common.js';
import { dig, flag, isRecord, optInt, optString, readEnvelope } from './envelope.js';
import { schemaErrors } from './schema-errors.js';

/** gobgp graceful-restart settings, passed through as written. */
export type GracefulRestartConfig = Static<typeof GracefulRestart>;

/** A validated BgpConf. */
export interface BgpGlobalConfig {
  readonly name: string;
  readonly apiVersion: ApiVersion;
  readonly generation: number | undefined;
  /** Local ASN. */
  readonly as: number;
  /** Per-rack ASN overrides (node label openelb.kubesphere.io/rack). */
  readonly asPerRack: ReadonlyMap<string, number>;
  /** Fixed router id, or undefined: each speaker uses its node IP (recommended). */
  readonly routerId: string | undefined;
  /** Port as written: 0 = gobgp default, -1 = do not listen. */
  readonly listenPort: number;
  /** The port BGP actually listens on, or undefined when listening is disabled. */
  readonly effectiveListenPort: number | undefined;
  /** Canonical listen addresses. */
  readonly listenAddresses: readonly string[];
  /** gobgp family codes (AFI << 16 | SAFI). */
  readonly families: readonly number[];
  readonly useMultiplePaths: boolean;
  readonly gracefulRestart: GracefulRestartConfig | undefined;
  /** ConfigMap holding a gobgp policy, in the OpenELB namespace. */
  readonly policy: string | undefined;
  /** Label openelb.kubesphere.io/cni: the CNI does BGP, the speaker must ignore this object. */
  readonly cni: string | undefined;
  readonly deleting: boolean;
}

/** Whether the speakers use a BgpConf with this name, and why (only `default` counts, as in OpenELB). */
export function isHonouredBgpConf(name: string): { readonly honoured: boolean; readonly reason: string } {
  if (name === DEFAULT_BGP_CONF_NAME)
    return { honoured: true, reason: `the BgpConf named "${DEFAULT_BGP_CONF_NAME}" is used` };
  return {
    honoured: false,
    reason: `only the BgpConf named "${DEFAULT_BGP_CONF_NAME}" is used; "${name}" is ignored: rename it to "${DEFAULT_BGP_CONF_NAME}"`,
  };
}

function readListenAddresses(raw: unknown, errors: FieldError[]): string[] {
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  raw.forEach((value: unknown, i) => {
    if (typeof value !== 'string') return; // the schema check reports the type
    const ip = parseIp(value);
    if (ip.ok) out.push(formatIp(ip.value));
    else
      errors.push({
        path: `spec.listenAddresses[${i}]`,
        message: `${ip.error}: write an address of this node, e.g. 0.0.0.0 or ::`,
      });
  });
  return [...new Set(out)];
}

function readRouterId(raw: unknown, path: string, errors: FieldError[]): string | undefined {
  const text = optString(raw);
  if (text === undefined) return undefined;
  const ip = parseIp(text);
  if (!ip.ok || ip.value.family !== 'IPv4') {
    errors.push({
      path,
      message: `${JSON.stringify(text)} is not an IPv4 address: a router id is written like 192.0.2.1`,
    });
    return undefined;
  }
  return formatIp(ip.value);
}

function readAsPerRack(raw: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (!isRecord(raw)) return out;
  for (const [rack, asn] of Object.entries(raw)) {
    const n = optInt(asn);
    if (n !== undefined) out.set(rack, n);
  }
  return out;
}

/**
 * Parse a BgpConf as read from the API (any served version). v1alpha1's `routerID`/`port` map to
 * `routerId`/`listenPort`. Parsing does not depend on the name; use {@link isHonouredBgpConf} to decide
 * whether the object is used.
 */
export function parseBgpConf(obj: unknown): ParseResult<BgpGlobalConfig> {
  const { envelope, errors: envelopeErrors } = readEnvelope(obj, BGP_CONF.kind);
  if (envelope === undefined) return { ok: false, errors: envelopeErrors };
  const { version, meta, raw } = envelope;
  const v1 = version === 'v1alpha1';
  const errors: FieldError[] = schemaErrors(v1 ? BgpConfV1alpha1 : BgpConfV1alpha2, raw);
  const warnings: FieldError[] = [];
  const spec = dig(raw, 'spec');

  const routerIdPath = v1 ? 'spec.routerID' : 'spec.routerId';
  const routerId = readRouterId(dig(spec, v1 ? 'routerID' : 'routerId'), routerIdPath, errors);
  if (routerId !== undefined && !v1) {
    warnings.push({
      path: routerIdPath,
      message:
        'every speaker will use this one router id (OpenELB #315); leave it empty so each node uses its own IP',
    });
  }
  const listenPort = optInt(dig(spec, v1 ? 'port' : 'listenPort')) ?? 0;
  const listenAddresses = readListenAddresses(dig(spec, 'listenAddresses'), errors);
  const families = (Array.isArray(dig(spec, 'families')) ? (dig(spec, 'families') as unknown[]) : [])
    .map(optInt)
    .filter((n): n is number => n !== undefined);
  const grRaw = dig(spec, 'gracefulRestart');
  const asn = optInt(dig(spec, 'as'));
  const asPerRack = readAsPerRack(dig(spec, 'asPerRack'));
  for (const rack of asPerRack.keys()) {
    if (rack === '')
      errors.push({ path: childPath('spec.asPerRack', rack), message: 'the rack name must not be empty' });
  }

  const all = dedupeByPath(errors);
  if (all.length > 0 || asn === undefined) return { ok: false, errors: all };
  return {
    ok: true,
    warnings,
    value: {
      name: meta.name,
      apiVersion: version,
      generation: meta.generation,
      as: asn,
      asPerRack,
      routerId,
      listenPort,
      effectiveListenPort:
        listenPort === LISTEN_PORT_DISABLED ? undefined : listenPort === 0 ? BGP_DEFAULT_PORT : listenPort,
      listenAddresses,
      families,
      useMultiplePaths: flag(dig(spec, 'useMultiplePaths')),
      gracefulRestart: isRecord(grRaw) ? grRaw : undefined,
      policy: optString(dig(spec, 'policy')),
      cni: meta.labels[LABEL_CNI],
      deleting: meta.deleting,
    },
  };
}
