import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EVERYTHING,
  labelKeyProblem,
  labelSelectorMatches,
  labelValueProblem,
  parseLabelSelector,
  type LabelSelector,
} from '../../src/api/label-selector.js';

const node = { 'kubernetes.io/hostname': 'node-1', 'openelb.kubesphere.io/rack': 'r1', role: 'edge' };
const sel = (s: Partial<LabelSelector>): LabelSelector => ({ matchLabels: {}, matchExpressions: [], ...s });

describe('labelSelectorMatches', () => {
  it.each<[string, LabelSelector, boolean]>([
    ['empty selector matches everything', EVERYTHING, true],
    ['matchLabels hit', sel({ matchLabels: { 'openelb.kubesphere.io/rack': 'r1' } }), true],
    ['matchLabels wrong value', sel({ matchLabels: { 'openelb.kubesphere.io/rack': 'r2' } }), false],
    ['matchLabels missing key', sel({ matchLabels: { zone: 'a' } }), false],
    ['In hit', sel({ matchExpressions: [{ key: 'role', operator: 'In', values: ['core', 'edge'] }] }), true],
    ['In miss', sel({ matchExpressions: [{ key: 'role', operator: 'In', values: ['core'] }] }), false],
    ['In on absent key', sel({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }), false],
    ['NotIn hit', sel({ matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['edge'] }] }), false],
    ['NotIn miss', sel({ matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['core'] }] }), true],
    [
      'NotIn on absent key matches',
      sel({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }),
      true,
    ],
    ['Exists', sel({ matchExpressions: [{ key: 'role', operator: 'Exists', values: [] }] }), true],
    ['Exists absent', sel({ matchExpressions: [{ key: 'zone', operator: 'Exists', values: [] }] }), false],
    [
      'DoesNotExist',
      sel({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist', values: [] }] }),
      true,
    ],
    [
      'DoesNotExist present',
      sel({ matchExpressions: [{ key: 'role', operator: 'DoesNotExist', values: [] }] }),
      false,
    ],
    [
      'all requirements are ANDed',
      sel({
        matchLabels: { role: 'edge' },
        matchExpressions: [{ key: 'openelb.kubesphere.io/rack', operator: 'In', values: ['r2'] }],
      }),
      false,
    ],
  ])('%s', (_name, selector, expected) => {
    expect(labelSelectorMatches(selector, node)).toBe(expected);
  });

  it('does not match inherited properties such as "constructor"', () => {
    expect(
      labelSelectorMatches(
        sel({ matchExpressions: [{ key: 'constructor', operator: 'Exists', values: [] }] }),
        {},
      ),
    ).toBe(false);
  });

  const labels = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y', 'z'));
  const key = fc.constantFrom('a', 'b', 'c');
  const values = fc.uniqueArray(fc.constantFrom('x', 'y', 'z'), { minLength: 1 });

  it('In and NotIn are complements when the key is present; Exists and DoesNotExist always are', () => {
    fc.assert(
      fc.property(labels, key, values, (l, k, v) => {
        const inS = labelSelectorMatches(
          sel({ matchExpressions: [{ key: k, operator: 'In', values: v }] }),
          l,
        );
        const notIn = labelSelectorMatches(
          sel({ matchExpressions: [{ key: k, operator: 'NotIn', values: v }] }),
          l,
        );
        const exists = labelSelectorMatches(
          sel({ matchExpressions: [{ key: k, operator: 'Exists', values: [] }] }),
          l,
        );
        const absent = labelSelectorMatches(
          sel({ matchExpressions: [{ key: k, operator: 'DoesNotExist', values: [] }] }),
          l,
        );
        expect(exists).toBe(!absent);
        if (exists) expect(inS).toBe(!notIn);
        else expect([inS, notIn]).toEqual([false, true]);
      }),
    );
  });

  it('matchLabels {k: v} is the same as In [v]', () => {
    fc.assert(
      fc.property(labels, key, fc.constantFrom('x', 'y', 'z'), (l, k, v) => {
        expect(labelSelectorMatches(sel({ matchLabels: { [k]: v } }), l)).toBe(
          labelSelectorMatches(sel({ matchExpressions: [{ key: k, operator: 'In', values: [v] }] }), l),
        );
      }),
    );
  });
});

describe('parseLabelSelector', () => {
  it('absent means "no selector"', () => {
    expect(parseLabelSelector(undefined, 's')).toEqual({ selector: undefined, errors: [] });
    expect(parseLabelSelector(null, 's')).toEqual({ selector: undefined, errors: [] });
  });

  it('parses a full selector', () => {
    expect(
      parseLabelSelector(
        {
          matchLabels: { 'example.com/rack': 'r1' },
          matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['core'] }],
        },
        's',
      ),
    ).toEqual({
      selector: {
        matchLabels: { 'example.com/rack': 'r1' },
        matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['core'] }],
      },
      errors: [],
    });
  });

  it.each<[unknown, string, string]>([
    ['x', 's', 'must be a label selector object'],
    [{ matchLabels: [] }, 's.matchLabels', 'must be a map'],
    [{ matchExpressions: {} }, 's.matchExpressions', 'must be a list'],
    [{ matchExpressions: [1] }, 's.matchExpressions[0]', 'must be an object'],
    [{ matchExpressions: [{ operator: 'Exists' }] }, 's.matchExpressions[0].key', 'is required'],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: 'x' }] },
      's.matchExpressions[0].values',
      'must be a list',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: [1] }] },
      's.matchExpressions[0].values[0]',
      'must be a string',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
      's.matchExpressions[0].values',
      'must not be empty',
    ],
    [
      { matchExpressions: [{ key: 'Bad.Prefix/a', operator: 'Exists' }] },
      's.matchExpressions[0].key',
      'invalid prefix',
    ],
  ])('%j -> %s', (raw, path, fragment) => {
    const { selector, errors } = parseLabelSelector(raw, 's');
    expect(selector).toBeUndefined();
    const hit = errors.find((e) => e.path === path);
    expect(hit, JSON.stringify(errors)).toBeDefined();
    expect(hit!.message).toContain(fragment);
  });

  it('checks key and value syntax like Kubernetes', () => {
    expect(labelKeyProblem('kubesphere.io/workspace')).toBeUndefined();
    expect(labelKeyProblem('a')).toBeUndefined();
    expect(labelKeyProblem('a'.repeat(64))).toContain('name part');
    expect(labelKeyProblem('/a')).toContain('prefix');
    expect(labelKeyProblem('a/')).toContain('name part');
    expect(labelValueProblem('')).toBeUndefined();
    expect(labelValueProblem('v1.2_3-x')).toBeUndefined();
    expect(labelValueProblem('-x')).toContain('invalid');
    expect(labelValueProblem('x'.repeat(64))).toContain('invalid');
  });
});
