/** Schema pieces shared by several kinds: the resource envelope, conditions, label selectors, patterns. */
import { Type, type TObject, type TOptional, type TSchema, type TString } from '@sinclair/typebox';
import { bool, int, list, map, obj, str, stringEnum, UINT32_MAX } from './builders.js';

/** Dotted-quad IPv4 address (the pattern OpenELB v1alpha1 used; octet ranges are checked by the parser). */
export const IPV4_PATTERN = '^([0-9]{1,3}\\.){3}[0-9]{1,3}$';
/** Characters an IPv4/IPv6 address can contain. A cheap guard; the parser gives the precise error. */
export const IP_CHARS_PATTERN = '^[0-9A-Fa-f.:]+$';
/** RFC 1123 label: namespace names. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** RFC 1123 subdomain: most object names (ConfigMaps, Secrets, nodes). */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** The smallest and largest valid autonomous system number (4-byte ASNs, RFC 6793). */
export const ASN_MIN = 1;
export const ASN_MAX = UINT32_MAX;

/** An ASN field. */
export function asn(description: string): ReturnType<typeof int> {
  return int(description, ASN_MIN, ASN_MAX);
}

/** A name referring to another Kubernetes object. */
export function objectName(description: string): TString {
  return str(description, { maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN });
}

/**
 * The top-level schema of a custom resource: apiVersion, kind, metadata (left to the API server), spec
 * and an optional status.
 */
export function resource<S extends TSchema, T extends TSchema>(
  description: string,
  spec: S,
  status: T,
): TObject<{
  apiVersion: TOptional<TString>;
  kind: TOptional<TString>;
  metadata: TOptional<TObject>;
  spec: S;
  status: TOptional<T>;
}> {
  return Type.Object(
    {
      apiVersion: Type.Optional(
        str(
          'APIVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
        ),
      ),
      kind: Type.Optional(
        str(
          'Kind is a string value representing the REST resource this object represents. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
        ),
      ),
      metadata: Type.Optional(Type.Object({}) as TObject),
      spec,
      status: Type.Optional(status) as TOptional<T>,
    },
    { description },
  );
}

/** A standard metav1.Condition, so controllers can report Ready/Invalid with a reason. */
export const Condition = obj(
  {
    type: str('Type of the condition in CamelCase, e.g. Ready or Valid.', {
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: stringEnum(['True', 'False', 'Unknown'], 'Status of the condition: True, False or Unknown.'),
    observedGeneration: Type.Optional(
      int('The .metadata.generation the condition was computed from.', 0, undefined),
    ),
    lastTransitionTime: str('When the condition last changed status (RFC 3339).', { format: 'date-time' }),
    reason: str('Machine-readable CamelCase reason for the last transition, e.g. AddressOverlaps.', {
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: str('Human-readable details: what is wrong and how to fix it.', { maxLength: 32768 }),
  },
  'A condition of the object (metav1.Condition).',
);

/** `status.conditions`: a list keyed by type, as Kubernetes conventions require. */
export const Conditions = list(
  Condition,
  'Conditions of the object, e.g. Valid with a reason and a message when the spec cannot be used.',
  { maxItems: 16, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
);

/** Operators of a label selector requirement. */
export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** metav1.LabelSelector. */
export const LabelSelector = obj(
  {
    matchLabels: Type.Optional(
      map(str('Label value.'), 'Labels that must all be present with exactly these values.'),
    ),
    matchExpressions: Type.Optional(
      list(
        obj(
          {
            key: str('The label key the requirement applies to.', { minLength: 1, maxLength: 317 }),
            operator: stringEnum([...LABEL_SELECTOR_OPERATORS], 'One of In, NotIn, Exists, DoesNotExist.'),
            values: Type.Optional(
              list(
                str('A label value.'),
                'Values for In and NotIn (non-empty); must be empty for Exists and DoesNotExist.',
                { 'x-kubernetes-list-type': 'atomic' },
              ),
            ),
          },
          'A label requirement: a key, an operator and values.',
          {
            rules: [
              {
                rule: "self.operator in ['In', 'NotIn'] ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0)",
                message: 'values must be non-empty for In and NotIn, and empty for Exists and DoesNotExist',
              },
            ],
          },
        ),
        'Label requirements, all of which must match.',
        { 'x-kubernetes-list-type': 'atomic' },
      ),
    ),
  },
  'A label query (metav1.LabelSelector): matchLabels and matchExpressions are ANDed; empty matches everything.',
);

/** gobgp GracefulRestart, shared by BgpConf (global) and BgpPeer (per neighbor); passed through. */
export const GracefulRestart = obj(
  {
    enabled: Type.Optional(bool('Enable BGP graceful restart (RFC 4724).')),
    restartTime: Type.Optional(int('Restart time advertised to peers, in seconds (0-4095).', 0, 4095)),
    helperOnly: Type.Optional(bool('Only act as a graceful-restart helper for peers.')),
    deferralTime: Type.Optional(
      int('Deferral time in seconds before sending updates after restart.', 0, 65535),
    ),
    notificationEnabled: Type.Optional(bool('Graceful restart also for NOTIFICATION messages (RFC 8538).')),
    longlivedEnabled: Type.Optional(bool('Enable long-lived graceful restart.')),
    staleRoutesTime: Type.Optional(int('Time in seconds stale routes are kept.', 0, UINT32_MAX)),
    peerRestartTime: Type.Optional(
      int('Restart time the peer advertised, in seconds (read-only in gobgp).', 0, 4095),
    ),
    peerRestarting: Type.Optional(bool('The peer is restarting (read-only in gobgp).')),
    localRestarting: Type.Optional(bool('This speaker is restarting (read-only in gobgp).')),
    mode: Type.Optional(str('Graceful restart mode as reported by gobgp.')),
  },
  'BGP graceful restart settings, passed to gobgp unchanged.',
);
