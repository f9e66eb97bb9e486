import { describe, expect, it } from 'vitest';
import type { EipConfig } from '../../src/api/index.js';
import { selectEips, type EipView, type InvalidEip } from '../../src/ipam/index.js';
import { eip, svc } from './ipam-fixtures.js';

const view = (config: EipConfig, occupied = false): EipView => ({ config, occupied });

interface Case {
  name: string;
  eips: EipView[];
  invalid?: InvalidEip[];
  request: ReturnType<typeof svc>;
  family?: 'IPv4' | 'IPv6' | 'any';
  rule?: string;
  picks?: string[];
  error?: string;
  message?: RegExp;
}

const ws = { 'kubesphere.io/workspace': 'ws1' };

const cases: Case[] = [
  {
    name: 'the pinned Eip wins, even when the namespace is bound to another one',
    eips: [view(eip('bound', '10.0.0.0/24', { namespaces: ['ns'] })), view(eip('pinned', '10.1.0.0/24'))],
    request: svc('ns/a', { pinnedEips: ['pinned'] }),
    rule: 'pinned',
    picks: ['pinned'],
  },
  {
    name: 'a pinned Eip need not be bound to the namespace nor be the default (OpenELB docs)',
    eips: [view(eip('default', '10.0.0.0/24', { isDefault: true })), view(eip('other', '10.1.0.0/24'))],
    request: svc('ns/a', { pinnedEips: ['other'] }),
    rule: 'pinned',
    picks: ['other'],
  },
  {
    name: 'an unknown pinned Eip is EipNotFound',
    eips: [view(eip('p', '10.0.0.0/24', { isDefault: true }))],
    request: svc('ns/a', { pinnedEips: ['typo'] }),
    error: 'EipNotFound',
    message: /Eip typo does not exist/,
  },
  {
    name: 'an invalid pinned Eip says why it is invalid',
    eips: [],
    invalid: [{ name: 'broken', reason: 'spec.address: "10.0.0.1/33" is bad' }],
    request: svc('ns/a', { pinnedEips: ['broken'] }),
    error: 'EipInvalid',
    message: /10\.0\.0\.1\/33/,
  },
  {
    name: 'a disabled pinned Eip takes no new allocation',
    eips: [view(eip('off', '10.0.0.0/24', { disable: true }))],
    request: svc('ns/a', { pinnedEips: ['off'] }),
    error: 'EipDisabled',
    message: /spec\.disable/,
  },
  {
    name: 'a deleting pinned Eip takes no new allocation',
    eips: [view(eip('going', '10.0.0.0/24', { deleting: true }))],
    request: svc('ns/a', { pinnedEips: ['going'] }),
    error: 'EipDeleting',
  },
  {
    name: 'a requested IP outside the pinned Eip is IPNotInEip',
    eips: [view(eip('pinned', '10.0.0.0/24')), view(eip('other', '10.1.0.0/24'))],
    request: svc('ns/a', { pinnedEips: ['pinned'], requestedIps: ['10.1.0.5'] }),
    error: 'IPNotInEip',
    message: /10\.1\.0\.5 is not in the pinned Eip pinned/,
  },
  {
    name: 'a requested IP picks the Eip containing it, bound or not',
    eips: [view(eip('bound', '10.0.0.0/24', { namespaces: ['ns'] })), view(eip('holder', '10.1.0.0/24'))],
    request: svc('ns/a', { requestedIps: ['10.1.0.7'] }),
    rule: 'requested',
    picks: ['holder'],
  },
  {
    name: 'a requested IP in no Eip is IPNotInAnyEip',
    eips: [view(eip('p', '10.0.0.0/24', { isDefault: true }))],
    request: svc('ns/a', { requestedIps: ['192.0.2.1'] }),
    error: 'IPNotInAnyEip',
    message: /192\.0\.2\.1 is not in any Eip/,
  },
  {
    name: 'a requested IP in a disabled Eip is EipDisabled',
    eips: [view(eip('off', '10.0.0.0/24', { disable: true }))],
    request: svc('ns/a', { requestedIps: ['10.0.0.9'] }),
    error: 'EipDisabled',
  },
  {
    name: 'namespace-bound Eips: ascending priority (lower value first)',
    eips: [
      view(eip('p5', '10.0.0.0/24', { namespaces: ['ns'], priority: 5 })),
      view(eip('p1', '10.1.0.0/24', { namespaces: ['ns'], priority: 1 })),
      view(eip('p3', '10.2.0.0/24', { namespaces: ['ns'], priority: 3 })),
    ],
    request: svc('ns/a'),
    rule: 'namespace',
    picks: ['p1', 'p3', 'p5'],
  },
  {
    name: 'namespace-bound Eips: non-occupied before a better priority that is full',
    eips: [
      view(eip('full', '10.0.0.0/24', { namespaces: ['ns'], priority: 0 }), true),
      view(eip('free', '10.1.0.0/24', { namespaces: ['ns'], priority: 9 })),
    ],
    request: svc('ns/a'),
    rule: 'namespace',
    picks: ['free', 'full'],
  },
  {
    name: 'namespace-bound Eips of equal priority are ordered by name',
    eips: [
      view(eip('b', '10.0.0.0/24', { namespaces: ['ns'] })),
      view(eip('a', '10.1.0.0/24', { namespaces: ['ns'] })),
    ],
    request: svc('ns/a'),
    picks: ['a', 'b'],
  },
  {
    name: 'namespaceSelector matches the namespace labels (KubeSphere workspace)',
    eips: [
      view(eip('ws', '10.0.0.0/24', { namespaceSelector: ws })),
      view(eip('default', '10.1.0.0/24', { isDefault: true })),
    ],
    request: svc('project/a', { namespaceLabels: { ...ws, other: 'x' } }),
    rule: 'namespace',
    picks: ['ws'],
  },
  {
    name: 'namespaceSelector that does not match falls to the default Eip',
    eips: [
      view(eip('ws', '10.0.0.0/24', { namespaceSelector: ws })),
      view(eip('default', '10.1.0.0/24', { isDefault: true })),
    ],
    request: svc('project/a', { namespaceLabels: { 'kubesphere.io/workspace': 'ws2' } }),
    rule: 'default',
    picks: ['default'],
  },
  {
    name: 'disabled and deleting bound Eips are skipped, falling back to the default (OpenELB 0.6)',
    eips: [
      view(eip('off', '10.0.0.0/24', { namespaces: ['ns'], disable: true })),
      view(eip('going', '10.2.0.0/24', { namespaces: ['ns'], deleting: true })),
      view(eip('default', '10.1.0.0/24', { isDefault: true })),
    ],
    request: svc('ns/a'),
    rule: 'default',
    picks: ['default'],
  },
  {
    name: 'full bound Eips do not fall back to the default (the allocator reports EipExhausted)',
    eips: [
      view(eip('full', '10.0.0.0/24', { namespaces: ['ns'] }), true),
      view(eip('default', '10.1.0.0/24', { isDefault: true })),
    ],
    request: svc('ns/a'),
    rule: 'namespace',
    picks: ['full'],
  },
  {
    name: 'an Eip that is neither bound nor default is never picked automatically',
    eips: [view(eip('loose', '10.0.0.0/24'))],
    request: svc('ns/a'),
    error: 'NoEipForNamespace',
    message: /no IPv4 Eip serves namespace ns.*spec\.namespaces.*is-default-eip/,
  },
  {
    name: 'no Eip at all: the message names the disabled ones that would have matched',
    eips: [view(eip('off', '10.0.0.0/24', { namespaces: ['ns'], disable: true }))],
    request: svc('ns/a'),
    error: 'NoEipForNamespace',
    message: /off would match but is disabled/,
  },
  {
    name: 'a disabled default Eip is not used',
    eips: [view(eip('default', '10.0.0.0/24', { isDefault: true, disable: true }))],
    request: svc('ns/a'),
    error: 'NoEipForNamespace',
    message: /default would match but is disabled/,
  },
  {
    name: 'the family filters candidates: an IPv6 Service gets the IPv6 bound Eip',
    eips: [
      view(eip('v4', '10.0.0.0/24', { namespaces: ['ns'] })),
      view(eip('v6', '2001:db8::/64', { namespaces: ['ns'], priority: 9 })),
    ],
    request: svc('ns/a', { ipFamilies: ['IPv6'] }),
    family: 'IPv6',
    rule: 'namespace',
    picks: ['v6'],
  },
  {
    name: 'only Eips of the other family: FamilyMismatch with the families named',
    eips: [view(eip('v4', '10.0.0.0/24', { isDefault: true }))],
    request: svc('ns/a', { ipFamilies: ['IPv6'] }),
    family: 'IPv6',
    error: 'FamilyMismatch',
    message: /no IPv6 Eip serves namespace ns, only v4 \(IPv4\)/,
  },
  {
    name: 'no family given (old cluster): any family qualifies',
    eips: [view(eip('v6', '2001:db8::/64', { isDefault: true }))],
    request: svc('ns/a', { ipFamilies: [] }),
    family: 'any',
    rule: 'default',
    picks: ['v6'],
  },
  {
    name: 'a family without a pin falls back to the normal rules (dual-stack pins one family)',
    eips: [view(eip('v4', '10.0.0.0/24')), view(eip('v6', '2001:db8::/64', { isDefault: true }))],
    request: svc('ns/a', { pinnedEips: ['v4'], ipFamilies: ['IPv4', 'IPv6'] }),
    family: 'IPv6',
    rule: 'default',
    picks: ['v6'],
  },
];

describe('selectEips', () => {
  it.each(cases)('$name', (c) => {
    const family = c.family === 'any' ? undefined : (c.family ?? 'IPv4');
    const result = selectEips(c.eips, c.invalid ?? [], c.request, family);
    if (c.error !== undefined) {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe(c.error);
      if (c.message !== undefined) expect(result.error.message).toMatch(c.message);
      return;
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    if (c.rule !== undefined) expect(result.rule).toBe(c.rule);
    expect(result.eips.map((e) => e.name)).toEqual(c.picks);
  });
});
