// Decode-time (400) and validation-time (422) checks of built-in kinds that a real server applies and
// that clients can trip over: object names, label syntax, Lease field types and MicroTime precision.

import type { StatusCause } from './schema/index.js';
import { badRequest, type StatusBody } from './errors.js';
import type { ResourceDef } from './registry.js';
import { meta, type Obj } from './store.js';

const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** metav1.MicroTime is decoded with the exact layout 2006-01-02T15:04:05.000000Z07:00. */
const MICROTIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/** Which name rule a resource uses, as in the real registry strategies. */
function nameRule(def: ResourceDef): 'label' | 'dns1035' | 'subdomain' {
  if (def.group === '' && def.plural === 'namespaces') return 'label';
  if (def.group === '' && def.plural === 'services') return 'dns1035';
  return 'subdomain';
}

/** 422 causes for metadata.name, in the real server's words. */
export function validateName(def: ResourceDef, name: string, field = 'metadata.name'): StatusCause[] {
  if (name === '') {
    return [
      { reason: 'FieldValueRequired', field, message: 'Required value: name or generateName is required' },
    ];
  }
  const rule = nameRule(def);
  const q = JSON.stringify(name);
  if (rule === 'subdomain' && (name.length > 253 || !SUBDOMAIN_RE.test(name))) {
    return [
      {
        reason: 'FieldValueInvalid',
        field,
        message:
          `Invalid value: ${q}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', ` +
          "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    ];
  }
  if (rule === 'label' && (name.length > 63 || !LABEL_RE.test(name))) {
    return [
      {
        reason: 'FieldValueInvalid',
        field,
        message:
          `Invalid value: ${q}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', ` +
          "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for " +
          "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      },
    ];
  }
  if (rule === 'dns1035' && (name.length > 63 || !DNS1035_RE.test(name))) {
    return [
      {
        reason: 'FieldValueInvalid',
        field,
        message:
          `Invalid value: ${q}: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with ` +
          "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used " +
          "for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      },
    ];
  }
  return [];
}

function validLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0 && (prefix.length > 253 || !SUBDOMAIN_RE.test(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME_RE.test(name);
}

/** 422 causes for label keys and values. */
export function validateLabels(obj: Obj): StatusCause[] {
  const labels = meta(obj)['labels'];
  if (typeof labels !== 'object' || labels === null) return [];
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    if (!validLabelKey(k)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: `Invalid value: ${JSON.stringify(k)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      });
    }
    if (typeof v === 'string' && (v.length > 63 || !LABEL_VALUE_RE.test(v))) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message:
          `Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, ` +
          "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or " +
          "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      });
    }
  }
  return causes;
}

function goType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function cannotHandle(def: ResourceDef, detail: string): StatusBody {
  return badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${detail}`);
}

/**
 * Checks the Go JSON decoder would fail on (answered with 400 before any validation): metadata shape,
 * string maps, Lease field types and MicroTime layout. Undefined when the object decodes.
 */
export function decodeCheck(def: ResourceDef, obj: Obj): StatusBody | undefined {
  const m = obj['metadata'];
  if (m !== undefined && (typeof m !== 'object' || m === null || Array.isArray(m))) {
    return cannotHandle(
      def,
      `json: cannot unmarshal ${goType(m)} into Go struct field ${def.kind}.metadata of type v1.ObjectMeta`,
    );
  }
  for (const field of ['labels', 'annotations']) {
    const map = meta(obj)[field];
    if (map === undefined || map === null) continue;
    if (typeof map !== 'object' || Array.isArray(map)) {
      return cannotHandle(
        def,
        `json: cannot unmarshal ${goType(map)} into Go struct field ObjectMeta.metadata.${field} of type map[string]string`,
      );
    }
    for (const v of Object.values(map as Record<string, unknown>)) {
      if (typeof v !== 'string') {
        return cannotHandle(
          def,
          `json: cannot unmarshal ${goType(v)} into Go struct field ObjectMeta.metadata.${field} of type string`,
        );
      }
    }
  }
  if (def.group === 'coordination.k8s.io' && def.plural === 'leases') return leaseCheck(def, obj);
  if (def.plural === 'events') return microTimeCheck(def, obj, 'eventTime', 'eventTime');
  return undefined;
}

function microTimeCheck(
  def: ResourceDef,
  container: Record<string, unknown>,
  field: string,
  goField: string,
): StatusBody | undefined {
  const v = container[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    return cannotHandle(
      def,
      `json: cannot unmarshal ${goType(v)} into Go struct field ${goField} of type string`,
    );
  }
  if (!MICROTIME_RE.test(v)) {
    const frac = /:\d{2}(\.\d*)?(Z|[+-]\d{2}:\d{2})?$/.exec(v);
    const tail = frac?.[1] !== undefined ? `${frac[1]}${frac[2] ?? ''}` : v.slice(19);
    return cannotHandle(
      def,
      `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse ${JSON.stringify(tail)} as ".000000"`,
    );
  }
  return undefined;
}

function leaseCheck(def: ResourceDef, obj: Obj): StatusBody | undefined {
  const spec = obj['spec'];
  if (spec === undefined || spec === null) return undefined;
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    return cannotHandle(
      def,
      `json: cannot unmarshal ${goType(spec)} into Go struct field Lease.spec of type v1.LeaseSpec`,
    );
  }
  const s = spec as Record<string, unknown>;
  for (const f of ['leaseDurationSeconds', 'leaseTransitions']) {
    const v = s[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v > 2147483647 || v < -2147483648) {
      const what = typeof v === 'number' ? `number ${v}` : goType(v);
      return cannotHandle(
        def,
        `json: cannot unmarshal ${what} into Go struct field LeaseSpec.spec.${f} of type int32`,
      );
    }
  }
  for (const f of ['holderIdentity', 'strategy', 'preferredHolder']) {
    const v = s[f];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return cannotHandle(
        def,
        `json: cannot unmarshal ${goType(v)} into Go struct field LeaseSpec.spec.${f} of type string`,
      );
    }
  }
  return (
    microTimeCheck(def, s, 'acquireTime', 'LeaseSpec.spec.acquireTime') ??
    microTimeCheck(def, s, 'renewTime', 'LeaseSpec.spec.renewTime')
  );
}

/** 422 causes of Lease validation (ValidateLeaseSpec). */
export function validateLeaseSpec(obj: Obj): StatusCause[] {
  const spec = obj['spec'] as Record<string, unknown> | undefined;
  const causes: StatusCause[] = [];
  const d = spec?.['leaseDurationSeconds'];
  if (typeof d === 'number' && d <= 0) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.leaseDurationSeconds',
      message: `Invalid value: ${d}: must be greater than 0`,
    });
  }
  const t = spec?.['leaseTransitions'];
  if (typeof t === 'number' && t < 0) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.leaseTransitions',
      message: `Invalid value: ${t}: must be greater than or equal to 0`,
    });
  }
  return causes;
}

/**
 * 422 causes of Event validation on the stored (core/v1) shape. events.k8s.io/v1 writes must carry the
 * fields the structured events API requires; both views require the involved object's namespace to be
 * the Event's (or the Event to be in "default" when the object is cluster-scoped, e.g. a Node or an Eip).
 */
export function validateEvent(obj: Obj, eventsV1: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const str = (k: string): string => {
    const v = obj[k];
    return typeof v === 'string' ? v : '';
  };
  const required = (k: string, field: string): void => {
    if (str(k) === '') causes.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
  };
  const involved = obj['involvedObject'];
  const invNs =
    typeof involved === 'object' && involved !== null
      ? (involved as Record<string, unknown>)['namespace']
      : undefined;
  const ns = meta(obj)['namespace'];
  const nsField = eventsV1 ? 'regarding.namespace' : 'involvedObject.namespace';
  if (typeof invNs === 'string' && invNs !== '' ? invNs !== ns : ns !== 'default' && ns !== '') {
    causes.push({
      reason: 'FieldValueInvalid',
      field: nsField,
      message: `Invalid value: ${JSON.stringify(invNs ?? '')}: does not match event.namespace`,
    });
  }
  const type = str('type');
  if (type !== '' && type !== 'Normal' && type !== 'Warning') {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'type',
      message: `Invalid value: ${JSON.stringify(type)}: has invalid value: ${type}`,
    });
  }
  if (eventsV1) {
    required('eventTime', 'eventTime');
    if (type === '')
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'type',
        message: 'Invalid value: "": has invalid value: ',
      });
    required('reason', 'reason');
    required('action', 'action');
    required('reportingComponent', 'reportingController');
    required('reportingInstance', 'reportingInstance');
    if (str('message').length > 1024) {
      causes.push({
        reason: 'FieldValueTooLong',
        field: 'note',
        message: 'Too long: may not be more than 1024 bytes',
      });
    }
  }
  return causes;
}
