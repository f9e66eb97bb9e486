/** Eip CR (v1alpha1 or v1alpha2) -> validated pool configuration. */
import { formatIp, parseIp, type IpAddress } from '../../ip/address.js';
import { parseAddressRange, type AddressRange } from '../../ip/range.js';
import { specialBlockIn } from '../../ip/special.js';
import { dedupeByPath, type FieldError, type ParseResult } from '../errors.js';
import { ANNOTATION_DEFAULT_EIP, EIP, LABEL_CNI, type ApiVersion } from '../keys.js';
import { parseMatchLabels } from '../label-selector.js';
import {
  CAN_REACH_PREFIX,
  DEFAULT_EIP_PROTOCOL,
  EipV1alpha1,
  EipV1alpha2,
  type EipProtocol,
} from '../schema/eip.js';
import { dig, flag, optInt, optString, readEnvelope } from './envelope.js';
import { schemaErrors } from './schema-errors.js';

/** Which NIC answers for a layer2/vip Eip. */
export type InterfaceSelector =
  | { readonly kind: 'name'; readonly name: string }
  /** The NIC of the route towards `ip` (OpenELB `can_reach:<ip>`). */
  | { readonly kind: 'canReach'; readonly ip: IpAddress };

/** A validated Eip. */
export interface EipConfig {
  readonly name: string;
  readonly apiVersion: ApiVersion;
  readonly generation: number | undefined;
  /** The pool, as written (single/cidr/range), with bigint bounds. */
  readonly range: AddressRange;
  readonly protocol: EipProtocol;
  readonly interface: InterfaceSelector | undefined;
  readonly disable: boolean;
  /** Lower = tried first among namespace-bound Eips. */
  readonly priority: number;
  readonly namespaces: readonly string[];
  /** matchLabels on Namespace labels; undefined when absent or empty (binds nothing). */
  readonly namespaceSelector: Readonly<Record<string, string>> | undefined;
  /** Annotated eip.openelb.kubesphere.io/is-default-eip: "true" (case-insensitive). */
  readonly isDefault: boolean;
  /** Value of the label openelb.kubesphere.io/cni: the CNI announces this pool, not the speaker. */
  readonly cni: string | undefined;
  /** metadata.deletionTimestamp is set. */
  readonly deleting: boolean;
}

/** True when the default-Eip annotation value means "yes" (OpenELB: case-insensitive "true"). */
export function isDefaultEipAnnotation(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() === 'true';
}

/** Parse `spec.interface`: a NIC name or `can_reach:<ip>`. */
export function parseInterface(
  text: string,
  path: string,
): { value?: InterfaceSelector; error?: FieldError } {
  if (text.startsWith(CAN_REACH_PREFIX)) {
    const ipText = text.slice(CAN_REACH_PREFIX.length);
    const ip = parseIp(ipText);
    if (!ip.ok) {
      return {
        error: {
          path,
          message: `${CAN_REACH_PREFIX} needs an IP address after it (can_reach:192.0.2.1): ${ip.error}`,
        },
      };
    }
    return { value: { kind: 'canReach', ip: ip.value } };
  }
  if (text === 'lo') {
    return {
      error: {
        path,
        message: 'the loopback interface cannot answer ARP/NDP: name the NIC facing the clients',
      },
    };
  }
  if (!/^[^\s/:]{1,15}$/.test(text)) {
    return {
      error: {
        path,
        message: `${JSON.stringify(text)} is not a NIC name (1-15 characters, no "/", ":" or spaces) or can_reach:<ip>`,
      },
    };
  }
  return { value: { kind: 'name', name: text } };
}

/** The `spec.interface` text for a selector (inverse of parseInterface). */
export function formatInterface(selector: InterfaceSelector): string {
  return selector.kind === 'name' ? selector.name : `${CAN_REACH_PREFIX}${formatIp(selector.ip)}`;
}

/**
 * Parse an Eip as read from the API (any served version) into an {@link EipConfig}, or return every
 * error with its field path. Defaults: protocol bgp, priority 0. Warnings flag settings that are
 * accepted but have no effect.
 */
export function parseEip(obj: unknown): ParseResult<EipConfig> {
  const { envelope, errors: envelopeErrors } = readEnvelope(obj, EIP.kind);
  if (envelope === undefined) return { ok: false, errors: envelopeErrors };
  const { version, meta, raw } = envelope;
  const errors: FieldError[] = schemaErrors(version === 'v1alpha1' ? EipV1alpha1 : EipV1alpha2, raw);
  const warnings: FieldError[] = [];
  const spec = dig(raw, 'spec');

  let range: AddressRange | undefined;
  const address = dig(spec, 'address');
  if (typeof address === 'string') {
    const parsed = parseAddressRange(address);
    if (!parsed.ok) errors.push({ path: 'spec.address', message: parsed.error });
    else if (version === 'v1alpha1' && parsed.value.family !== 'IPv4') {
      errors.push({
        path: 'spec.address',
        message: 'v1alpha1 Eips are IPv4 only: use apiVersion network.kubesphere.io/v1alpha2 for IPv6',
      });
    } else {
      const special = specialBlockIn(parsed.value);
      if (special === undefined) range = parsed.value;
      else
        errors.push({
          path: 'spec.address',
          message: `"${address}" includes ${special.cidr} (${special.what}), which cannot be a Service IP: ${special.why}; use addresses outside it`,
        });
    }
  }

  const protocolRaw = optString(dig(spec, 'protocol'));
  const protocol = (['bgp', 'layer2', 'vip'] as const).find((p) => p === protocolRaw) ?? DEFAULT_EIP_PROTOCOL;
  if (protocol === 'vip') {
    warnings.push({
      path: 'spec.protocol',
      message:
        'vip (keepalived) mode is not implemented: IPs are allocated but not announced; use bgp or layer2',
    });
  }

  let iface: InterfaceSelector | undefined;
  const ifaceText = optString(dig(spec, 'interface'));
  if (ifaceText !== undefined) {
    const parsed = parseInterface(ifaceText, 'spec.interface');
    if (parsed.error !== undefined) errors.push(parsed.error);
    iface = parsed.value;
  } else if (protocol !== 'bgp' && version === 'v1alpha2') {
    errors.push({
      path: 'spec.interface',
      message: `is required when spec.protocol is ${protocol}: set a NIC name (eth0) or can_reach:<ip>`,
    });
  }

  const { labels: selector, errors: selectorErrors } = parseMatchLabels(
    dig(spec, 'namespaceSelector'),
    'spec.namespaceSelector',
  );
  errors.push(...selectorErrors);
  const namespacesRaw = dig(spec, 'namespaces');
  const namespaces = Array.isArray(namespacesRaw)
    ? [...new Set(namespacesRaw.filter((n): n is string => typeof n === 'string' && n !== ''))]
    : [];

  const defaultAnnotation = meta.annotations[ANNOTATION_DEFAULT_EIP];
  if (defaultAnnotation !== undefined && !/^(true|false)$/i.test(defaultAnnotation)) {
    warnings.push({
      path: `metadata.annotations[${JSON.stringify(ANNOTATION_DEFAULT_EIP)}]`,
      message: `${JSON.stringify(defaultAnnotation)} is read as false: write "true" to make this the default Eip`,
    });
  }
  if (flag(dig(spec, 'usingKnownIPs'))) {
    warnings.push({ path: 'spec.usingKnownIPs', message: 'has no effect (unused since OpenELB 0.6)' });
  }

  const all = dedupeByPath(errors);
  if (all.length > 0 || range === undefined) return { ok: false, errors: all };
  return {
    ok: true,
    warnings,
    value: {
      name: meta.name,
      apiVersion: version,
      generation: meta.generation,
      range,
      protocol,
      interface: iface,
      disable: flag(dig(spec, 'disable')),
      priority: optInt(dig(spec, 'priority')) ?? 0,
      namespaces,
      namespaceSelector: Object.keys(selector).length > 0 ? selector : undefined,
      isDefault: isDefaultEipAnnotation(defaultAnnotation),
      cni: meta.labels[LABEL_CNI],
      deleting: meta.deleting,
    },
  };
}
