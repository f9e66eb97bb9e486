/**
 * Parses the `gobgp.conf` of a BgpConf `spec.policy` ConfigMap (gobgp's own TOML schema, kebab-case)
 * into a RoutingPolicy: defined-sets, policy-definitions and global.apply-policy. Pure; every problem
 * comes back with its TOML path, and names are cross-checked (a condition naming a missing set, an
 * apply-policy naming a missing policy) before gobgpd ever sees the policy.
 */
import { isIP } from 'node:net';
import { parse, TomlError } from 'smol-toml';
import { readActions, readConditions, type SetReference } from './policy-statements.js';
import { Reader, at, type Table } from './policy-reader.js';
import type {
  AssignmentSpec,
  DefinedSetSpec,
  ListSetKind,
  PolicyError,
  PolicySpec,
  PrefixEntry,
  RoutingPolicy,
} from './policy-types.js';

/** The parsed policy, or every problem found. `notes` name valid gobgp content that is not applied. */
export type PolicyParse =
  | { readonly ok: true; readonly policy: RoutingPolicy; readonly notes: readonly string[] }
  | { readonly ok: false; readonly errors: readonly PolicyError[] };

const NOT_POLICY = 'only routing policy is read from this file; BgpConf and BgpPeer configure the rest';

/** Parses gobgp TOML text. Never throws. */
export function parseGobgpPolicy(text: string): PolicyParse {
  let doc: Table;
  try {
    doc = parse(text);
  } catch (err) {
    if (err instanceof TomlError)
      return {
        ok: false,
        errors: [
          { path: `line ${String(err.line)}, column ${String(err.column)}`, message: firstLine(err.message) },
        ],
      };
    return { ok: false, errors: [{ path: '', message: err instanceof Error ? err.message : String(err) }] };
  }
  const r = new Reader();
  r.keys(doc, '', ['defined-sets', 'policy-definitions', 'global'], {
    neighbors: NOT_POLICY,
    'peer-groups': NOT_POLICY,
    'dynamic-neighbors': NOT_POLICY,
    'rpki-servers': NOT_POLICY,
    'bmp-servers': NOT_POLICY,
    vrfs: NOT_POLICY,
    'mrt-dump': NOT_POLICY,
    zebra: NOT_POLICY,
    collector: NOT_POLICY,
  });
  const definedSets = readDefinedSets(r, doc);
  const refs: SetReference[] = [];
  const policies = readPolicies(r, doc, refs);
  const assignments = readApplyPolicy(r, doc);
  checkReferences(r, definedSets, policies, refs, assignments);
  if (r.errors.length > 0) return { ok: false, errors: r.errors };
  return { ok: true, policy: { definedSets, policies, ...assignments }, notes: r.notes };
}

/** One line per error: `path: message`. */
export function formatPolicyErrors(errors: readonly PolicyError[]): string {
  return errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)).join('; ');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

const LIST_SETS: readonly { key: string; name: string; list: string; kind: ListSetKind; bgp: boolean }[] = [
  {
    key: 'neighbor-sets',
    name: 'neighbor-set-name',
    list: 'neighbor-info-list',
    kind: 'neighbor',
    bgp: false,
  },
  { key: 'community-sets', name: 'community-set-name', list: 'community-list', kind: 'community', bgp: true },
  { key: 'as-path-sets', name: 'as-path-set-name', list: 'as-path-list', kind: 'as-path', bgp: true },
  {
    key: 'ext-community-sets',
    name: 'ext-community-set-name',
    list: 'ext-community-list',
    kind: 'ext-community',
    bgp: true,
  },
  {
    key: 'large-community-sets',
    name: 'large-community-set-name',
    list: 'large-community-list',
    kind: 'large-community',
    bgp: true,
  },
];

function readDefinedSets(r: Reader, doc: Table): DefinedSetSpec[] {
  const ds = r.table(doc, 'defined-sets', '');
  if (ds === undefined) return [];
  r.keys(ds, 'defined-sets', ['prefix-sets', 'neighbor-sets', 'bgp-defined-sets', 'tag-sets']);
  if (ds['tag-sets'] !== undefined)
    r.error('defined-sets.tag-sets', 'tag sets are not supported by gobgp 3.10');
  const sets: DefinedSetSpec[] = [];
  for (const [t, path] of r.tables(ds, 'prefix-sets', 'defined-sets')) {
    r.keys(t, path, ['prefix-set-name', 'prefix-list']);
    const name = r.string(t, 'prefix-set-name', path, true);
    const prefixes: PrefixEntry[] = [];
    for (const [p, pp] of r.tables(t, 'prefix-list', path)) {
      const entry = readPrefix(r, p, pp);
      if (entry !== undefined) prefixes.push(entry);
    }
    if (name !== undefined) sets.push({ kind: 'prefix', name, prefixes });
  }
  const bgp = r.table(ds, 'bgp-defined-sets', 'defined-sets');
  const bgpPath = 'defined-sets.bgp-defined-sets';
  if (bgp !== undefined)
    r.keys(
      bgp,
      bgpPath,
      LIST_SETS.filter((s) => s.bgp).map((s) => s.key),
    );
  for (const spec of LIST_SETS) {
    const parent = spec.bgp ? bgp : ds;
    if (parent === undefined) continue;
    for (const [t, path] of r.tables(parent, spec.key, spec.bgp ? bgpPath : 'defined-sets')) {
      r.keys(t, path, [spec.name, spec.list]);
      const name = r.string(t, spec.name, path, true);
      let list = r.strings(t, spec.list, path);
      if (spec.kind === 'neighbor')
        list = list.map((n, i) => neighbor(r, n, `${at(path, spec.list)}[${String(i)}]`));
      if (name !== undefined) sets.push({ kind: spec.kind, name, list });
    }
  }
  return sets;
}

/** gobgp's API wants CIDRs for neighbor sets; its TOML also takes bare addresses. */
function neighbor(r: Reader, text: string, path: string): string {
  const [addr = '', len] = text.split('/');
  const family = isIP(addr);
  const max = family === 6 ? 128 : 32;
  if (family === 0 || (len !== undefined && !(/^\d+$/.test(len) && Number(len) <= max)))
    r.error(path, `"${text}" is not an IP address or prefix`);
  return len === undefined ? `${addr}/${String(max)}` : text;
}

function readPrefix(r: Reader, t: Table, path: string): PrefixEntry | undefined {
  r.keys(t, path, ['ip-prefix', 'masklength-range']);
  const prefix = r.string(t, 'ip-prefix', path, true);
  const range = r.string(t, 'masklength-range', path);
  if (prefix === undefined) return undefined;
  const [addr = '', lenText] = prefix.split('/');
  const family = isIP(addr);
  const max = family === 6 ? 128 : 32;
  if (family === 0 || lenText === undefined || !/^\d+$/.test(lenText) || Number(lenText) > max) {
    r.error(at(path, 'ip-prefix'), `"${prefix}" is not a prefix (address/length)`);
    return;
  }
  const len = Number(lenText);
  if (range === undefined || range.trim().toLowerCase() === 'exact') return { prefix, min: len, max: len };
  const m = /^(\d+)\.\.(\d+)$/.exec(range.trim());
  const min = Number(m?.[1]);
  const top = Number(m?.[2]);
  if (m === null || min < len || top < min || top > max) {
    r.error(
      at(path, 'masklength-range'),
      `"${range}" must be MIN..MAX with ${String(len)} <= MIN <= MAX <= ${String(max)}`,
    );
    return;
  }
  return { prefix, min, max: top };
}

function readPolicies(r: Reader, doc: Table, refs: SetReference[]): PolicySpec[] {
  const out: PolicySpec[] = [];
  for (const [t, path] of r.tables(doc, 'policy-definitions', '')) {
    r.keys(t, path, ['name', 'statements']);
    const name = r.string(t, 'name', path, true);
    const statements = r.tables(t, 'statements', path).map(([s, sp], i) => {
      r.keys(s, sp, ['name', 'conditions', 'actions']);
      const conditions = r.table(s, 'conditions', sp);
      const actions = r.table(s, 'actions', sp);
      return {
        // gobgp names unnamed statements the same way (newConfigPolicyFromApiStruct).
        name: r.string(s, 'name', sp) ?? `${name ?? 'policy'}_stmt${String(i)}`,
        conditions: conditions === undefined ? {} : readConditions(r, conditions, at(sp, 'conditions'), refs),
        actions:
          actions === undefined
            ? { disposition: 'none' as const }
            : readActions(r, actions, at(sp, 'actions')),
      };
    });
    if (name !== undefined) out.push({ name, statements });
  }
  return out;
}

function readApplyPolicy(r: Reader, doc: Table): { import: AssignmentSpec; export: AssignmentSpec } {
  const none = { policies: [], defaultAction: 'accept' as const };
  const global = r.table(doc, 'global', '');
  if (global === undefined) return { import: none, export: none };
  r.keys(global, 'global', ['apply-policy'], {
    config: 'BgpConf default configures the global settings',
    'afi-safis': 'BgpConf default configures the global settings',
    'graceful-restart': 'BgpConf default configures the global settings',
    'route-selection-options': 'BgpConf default configures the global settings',
    'use-multiple-paths': 'BgpConf default configures the global settings',
  });
  const apply = r.table(global, 'apply-policy', 'global');
  if (apply === undefined) return { import: none, export: none };
  r.keys(apply, 'global.apply-policy', ['config']);
  const c = r.table(apply, 'config', 'global.apply-policy');
  if (c === undefined) return { import: none, export: none };
  const p = 'global.apply-policy.config';
  r.keys(c, p, [
    'import-policy-list',
    'export-policy-list',
    'default-import-policy',
    'default-export-policy',
  ]);
  const defaults = ['accept-route', 'reject-route'] as const;
  const assignment = (dir: 'import' | 'export'): AssignmentSpec => ({
    policies: r.strings(c, `${dir}-policy-list`, p),
    defaultAction: r.choice(c, `default-${dir}-policy`, p, defaults) === 'reject-route' ? 'reject' : 'accept',
  });
  return { import: assignment('import'), export: assignment('export') };
}

function checkReferences(
  r: Reader,
  sets: readonly DefinedSetSpec[],
  policies: readonly PolicySpec[],
  refs: readonly SetReference[],
  assignments: { import: AssignmentSpec; export: AssignmentSpec },
): void {
  const kinds = new Map<string, string>();
  for (const s of sets) {
    const key = `${s.kind}/${s.name}`;
    if (kinds.has(key)) r.error('defined-sets', `${s.kind} set "${s.name}" is defined twice`);
    kinds.set(key, s.name);
  }
  for (const ref of refs)
    if (!kinds.has(`${ref.kind}/${ref.name}`))
      r.error(ref.path, `no ${ref.kind} set named "${ref.name}" is defined`);
  const names = new Set<string>();
  const statements = new Set<string>();
  for (const p of policies) {
    if (names.has(p.name)) r.error('policy-definitions', `policy "${p.name}" is defined twice`);
    names.add(p.name);
    // gobgp keeps statements in one namespace across all policies.
    for (const s of p.statements) {
      if (statements.has(s.name)) r.error('policy-definitions', `statement "${s.name}" is defined twice`);
      statements.add(s.name);
    }
  }
  for (const dir of ['import', 'export'] as const) {
    const seen = new Set<string>();
    assignments[dir].policies.forEach((name, i) => {
      const path = `global.apply-policy.config.${dir}-policy-list[${String(i)}]`;
      if (!names.has(name)) r.error(path, `no policy named "${name}" is defined in policy-definitions`);
      if (seen.has(name)) r.error(path, `policy "${name}" is listed twice`);
      seen.add(name);
    });
  }
}
