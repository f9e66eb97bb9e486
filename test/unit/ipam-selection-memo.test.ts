import { describe, expect, it } from 'vitest';
import type { EipConfig } from '../../src/api/index.js';
import { selectEips, type EipView } from '../../src/ipam/index.js';
import { SelectionMemo } from '../../src/ipam/selection-memo.js';
import { eip, svc } from './ipam-fixtures.js';

const views = (...configs: EipConfig[]): EipView[] => configs.map((config) => ({ config, occupied: false }));

describe('SelectionMemo', () => {
  it('answers like selectEips for every namespace when no Eip is bound to namespaces', () => {
    const memo = new SelectionMemo();
    const pools = views(eip('default', '10.0.0.0/24', { isDefault: true }), eip('spare', '10.1.0.0/24'));
    for (const key of ['a/one', 'b/two', 'a/three']) {
      const request = svc(key);
      expect(memo.select(pools, [], request, 'IPv4')).toEqual(selectEips(pools, [], request, 'IPv4'));
    }
  });

  it('names the namespace of each request in a failure when no Eip is bound to namespaces', () => {
    const memo = new SelectionMemo();
    const pools = views(eip('spare', '10.1.0.0/24'));
    for (const namespace of ['first', 'second']) {
      const selection = memo.select(pools, [], svc(`${namespace}/web`), 'IPv4');
      expect(selection.ok).toBe(false);
      if (!selection.ok) expect(selection.error.message).toContain(`namespace ${namespace}`);
    }
  });

  it('keeps namespaces apart once an Eip is bound to one', () => {
    const memo = new SelectionMemo();
    const pools = views(
      eip('default', '10.0.0.0/24', { isDefault: true }),
      eip('team', '10.1.0.0/24', { namespaces: ['team'] }),
    );
    const other = memo.select(pools, [], svc('other/web'), 'IPv4');
    const team = memo.select(pools, [], svc('team/web'), 'IPv4');
    expect(other.ok && other.eips.map((e) => e.name)).toEqual(['default']);
    expect(team.ok && team.eips.map((e) => e.name)).toEqual(['team']);
  });

  it('forgets its answers when handed new views', () => {
    const memo = new SelectionMemo();
    const before = views(eip('default', '10.0.0.0/24', { isDefault: true }));
    expect(memo.select(before, [], svc('a/web'), 'IPv4').ok).toBe(true);
    const after = views(eip('default', '10.0.0.0/24', { isDefault: true, disable: true }));
    const selection = memo.select(after, [], svc('a/web'), 'IPv4');
    expect(selection.ok).toBe(false);
  });
});
