/**
 * gobgp TOML `policy-definitions[].statements[]` to the domain model: conditions (match-*-set,
 * as-path-length, route-type) and actions (route-disposition and bgp-actions). Pure; problems are
 * recorded on the Reader with their TOML path.
 */
import { isIP } from 'node:net';
import { at, type Reader, type Table } from './policy-reader.js';
import type { ActionsSpec, CommunityEdit, ConditionsSpec, MatchOption, MatchSpec } from './policy-types.js';

const MATCH_OPTIONS: readonly MatchOption[] = ['any', 'all', 'invert'];
/** gobgp's MatchSetOptionsRestrictedType: prefix and neighbor sets cannot be matched with `all`. */
const RESTRICTED_OPTIONS: readonly MatchOption[] = ['any', 'invert'];

/** Which defined set a condition names; `kind` is checked against the sets by the caller. */
export interface SetReference {
  readonly kind: 'prefix' | 'neighbor' | 'community' | 'as-path' | 'ext-community' | 'large-community';
  readonly name: string;
  readonly path: string;
}

function match(
  r: Reader,
  t: Table,
  key: string,
  path: string,
  setKey: string,
  kind: SetReference['kind'],
  refs: SetReference[],
): MatchSpec | undefined {
  const m = r.table(t, key, path);
  if (m === undefined) return undefined;
  const where = at(path, key);
  r.keys(m, where, [setKey, 'match-set-options']);
  const set = r.string(m, setKey, where, true);
  const restricted = kind === 'prefix' || kind === 'neighbor';
  const option = r.choice(m, 'match-set-options', where, restricted ? RESTRICTED_OPTIONS : MATCH_OPTIONS);
  if (set === undefined) return undefined;
  refs.push({ kind, name: set, path: at(where, setKey) });
  return { set, option: option ?? 'any' };
}

/** `conditions` of one statement. */
export function readConditions(r: Reader, t: Table, path: string, refs: SetReference[]): ConditionsSpec {
  r.keys(t, path, ['match-prefix-set', 'match-neighbor-set', 'bgp-conditions'], {
    'call-policy': 'not supported by gobgp 3.10 either',
    'install-protocol-eq': 'not supported by gobgp 3.10 either',
  });
  const prefixSet = match(r, t, 'match-prefix-set', path, 'prefix-set', 'prefix', refs);
  const neighborSet = match(r, t, 'match-neighbor-set', path, 'neighbor-set', 'neighbor', refs);
  const bgp = r.table(t, 'bgp-conditions', path);
  let more: ConditionsSpec = {};
  if (bgp !== undefined) {
    const where = at(path, 'bgp-conditions');
    r.keys(bgp, where, [
      'match-community-set',
      'match-as-path-set',
      'match-ext-community-set',
      'match-large-community-set',
      'as-path-length',
      'route-type',
    ]);
    const communitySet = match(r, bgp, 'match-community-set', where, 'community-set', 'community', refs);
    const asPathSet = match(r, bgp, 'match-as-path-set', where, 'as-path-set', 'as-path', refs);
    const extCommunitySet = match(
      r,
      bgp,
      'match-ext-community-set',
      where,
      'ext-community-set',
      'ext-community',
      refs,
    );
    const largeCommunitySet = match(
      r,
      bgp,
      'match-large-community-set',
      where,
      'large-community-set',
      'large-community',
      refs,
    );
    const lengthTable = r.table(bgp, 'as-path-length', where);
    let asPathLength: ConditionsSpec['asPathLength'];
    if (lengthTable !== undefined) {
      const lw = at(where, 'as-path-length');
      r.keys(lengthTable, lw, ['operator', 'value']);
      const operator = r.choice(lengthTable, 'operator', lw, ['eq', 'ge', 'le'] as const);
      const length = r.integer(lengthTable, 'value', lw, 0, 0xffffffff);
      if (operator === undefined || length === undefined)
        r.error(lw, 'needs operator (eq, ge, le) and value');
      else asPathLength = { operator, length };
    }
    const routeType = r.choice(bgp, 'route-type', where, ['internal', 'external', 'local'] as const);
    more = {
      ...(communitySet !== undefined && { communitySet }),
      ...(asPathSet !== undefined && { asPathSet }),
      ...(extCommunitySet !== undefined && { extCommunitySet }),
      ...(largeCommunitySet !== undefined && { largeCommunitySet }),
      ...(asPathLength !== undefined && { asPathLength }),
      ...(routeType !== undefined && { routeType }),
    };
  }
  return {
    ...(prefixSet !== undefined && { prefixSet }),
    ...(neighborSet !== undefined && { neighborSet }),
    ...more,
  };
}

const WELL_KNOWN_COMMUNITIES = [
  'internet',
  'planned-shut',
  'accept-own',
  'route-filter-translated-v4',
  'route-filter-v4',
  'route-filter-translated-v6',
  'route-filter-v6',
  'llgr-stale',
  'no-llgr',
  'blackhole',
  'no-export',
  'no-advertise',
  'no-export-subconfed',
  'no-peer',
];

/** A community gobgp can set: `AS:VALUE` (16 bits each), a 32-bit number, or a well-known name. */
export function communityError(text: string): string | undefined {
  if (WELL_KNOWN_COMMUNITIES.includes(text.toLowerCase())) return undefined;
  const pair = /^(\d+):(\d+)$/.exec(text);
  if (pair !== null) {
    const ok = Number(pair[1]) <= 0xffff && Number(pair[2]) <= 0xffff;
    return ok ? undefined : `"${text}": both halves of a community must be at most 65535`;
  }
  if (/^\d+$/.test(text) && Number(text) <= 0xffffffff) return undefined;
  return `"${text}" is not a community (use AS:VALUE, a 32-bit number or a well-known name)`;
}

function largeCommunityError(text: string): string | undefined {
  const parts = /^(\d+):(\d+):(\d+)$/.exec(text);
  if (parts !== null && parts.slice(1).every((p) => Number(p) <= 0xffffffff)) return undefined;
  return `"${text}" is not a large community (use GLOBAL:LOCAL1:LOCAL2, 32-bit numbers)`;
}

function communityEdit(
  r: Reader,
  t: Table,
  key: string,
  path: string,
  method: string,
  check: ((text: string) => string | undefined) | undefined,
): CommunityEdit | undefined {
  const e = r.table(t, key, path);
  if (e === undefined) return undefined;
  const where = at(path, key);
  r.keys(e, where, ['options', method]);
  const op = r.choice(e, 'options', where, ['add', 'remove', 'replace'] as const);
  const m = r.table(e, method, where);
  const mw = at(where, method);
  if (m !== undefined) r.keys(m, mw, ['communities-list']);
  const communities = m === undefined ? [] : r.strings(m, 'communities-list', mw);
  if (op === undefined) {
    r.error(at(where, 'options'), 'is required (add, remove or replace)');
    return;
  }
  // `remove` takes regular expressions; `add` and `replace` need values gobgp can encode.
  if (op !== 'remove' && check !== undefined)
    communities.forEach((c, i) => {
      const problem = check(c);
      if (problem !== undefined) r.error(`${mw}.communities-list[${String(i)}]`, problem);
    });
  if (communities.length === 0 && op !== 'replace') {
    r.error(at(mw, 'communities-list'), `must list at least one community to ${op}`);
    return;
  }
  return { op, communities };
}

function med(r: Reader, t: Table, path: string): ActionsSpec['med'] {
  const v = t['set-med'];
  if (v === undefined) return undefined;
  const where = at(path, 'set-med');
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff)
    return { op: 'replace', value: v };
  const m = typeof v === 'string' ? /^([+-])?(\d+)$/.exec(v.trim()) : null;
  if (m === null || Number(m[2]) > 0xffffffff) {
    r.error(where, 'must be a MED ("100" sets it, "+10" / "-10" change it; at most 4294967295)');
    return;
  }
  const value = Number(m[2]);
  if (m[1] === undefined) return { op: 'replace', value };
  return { op: 'mod', value: m[1] === '-' ? -value : value };
}

/** `actions` of one statement. */
export function readActions(r: Reader, t: Table, path: string): ActionsSpec {
  r.keys(t, path, ['route-disposition', 'bgp-actions']);
  const disposition = r.choice(t, 'route-disposition', path, [
    'accept-route',
    'reject-route',
    'none',
  ] as const);
  const base: ActionsSpec = {
    disposition:
      disposition === 'accept-route' ? 'accept' : disposition === 'reject-route' ? 'reject' : 'none',
  };
  const b = r.table(t, 'bgp-actions', path);
  if (b === undefined) return base;
  const where = at(path, 'bgp-actions');
  r.keys(b, where, [
    'set-community',
    'set-ext-community',
    'set-large-community',
    'set-med',
    'set-local-pref',
    'set-as-path-prepend',
    'set-next-hop',
  ]);
  const community = communityEdit(r, b, 'set-community', where, 'set-community-method', communityError);
  const extCommunity = communityEdit(r, b, 'set-ext-community', where, 'set-ext-community-method', undefined);
  const largeCommunity = communityEdit(
    r,
    b,
    'set-large-community',
    where,
    'set-large-community-method',
    largeCommunityError,
  );
  const localPref = r.integer(b, 'set-local-pref', where, 1, 0xffffffff);
  let asPathPrepend: ActionsSpec['asPathPrepend'];
  const prepend = r.table(b, 'set-as-path-prepend', where);
  if (prepend !== undefined) {
    const pw = at(where, 'set-as-path-prepend');
    r.keys(prepend, pw, ['repeat-n', 'as']);
    const repeat = r.integer(prepend, 'repeat-n', pw, 1, 255);
    const asRaw = prepend.as;
    const asText = typeof asRaw === 'number' ? String(asRaw) : typeof asRaw === 'string' ? asRaw.trim() : '';
    const useLeftMost = asText.toLowerCase() === 'last-as';
    const asn = useLeftMost ? 0 : /^\d+$/.test(asText) ? Number(asText) : NaN;
    if (!useLeftMost && !(asn >= 1 && asn <= 0xffffffff))
      r.error(at(pw, 'as'), 'must be an AS number (1..4294967295) or "last-as"');
    else if (repeat === undefined) r.error(at(pw, 'repeat-n'), 'is required (1..255)');
    else asPathPrepend = { asn, useLeftMost, repeat };
  }
  let nextHop: ActionsSpec['nextHop'];
  const nh = r.string(b, 'set-next-hop', where);
  if (nh !== undefined) {
    const text = nh.trim();
    if (text.toLowerCase() === 'self') nextHop = { kind: 'self' };
    else if (text.toLowerCase() === 'unchanged') nextHop = { kind: 'unchanged' };
    else if (isIP(text) !== 0) nextHop = { kind: 'address', address: text };
    else r.error(at(where, 'set-next-hop'), `"${nh}" is not an IP address, "self" or "unchanged"`);
  }
  const medAction = med(r, b, where);
  return {
    ...base,
    ...(community !== undefined && { community }),
    ...(extCommunity !== undefined && { extCommunity }),
    ...(largeCommunity !== undefined && { largeCommunity }),
    ...(medAction !== undefined && { med: medAction }),
    ...(localPref !== undefined && { localPref }),
    ...(asPathPrepend !== undefined && { asPathPrepend }),
    ...(nextHop !== undefined && { nextHop }),
  };
}
