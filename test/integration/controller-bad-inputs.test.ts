// A corpus of bad inputs: each ends in a clear Event (Services) or condition + Event (Eips), while
// the Services that already had IPs keep them and new valid Services still get one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, OPT_IN, startHarness, type Harness, type ServiceSpec } from './controller-harness.js';

let h: Harness;
const before = new Map<string, string[]>();
const PIN = 'eip.openelb.kubesphere.io/v1alpha2';
const WANT = 'eip.openelb.kubesphere.io/v1alpha1';

beforeAll(async () => {
  h = await startHarness();
  h.start();
  await h.createNamespace('bad');
  await h.createEip('good', { address: '192.0.2.0/26', namespaces: ['bad'] });
  for (const name of ['keep-1', 'keep-2', 'keep-3']) await h.createService('bad', name, {});
  for (const name of ['keep-1', 'keep-2', 'keep-3']) before.set(name, await h.waitForIps('bad', name));
});

afterAll(async () => {
  await h.stop();
});

const serviceCorpus: { name: string; spec: ServiceSpec; message: RegExp }[] = [
  {
    name: 'bad-ip',
    spec: { annotations: { ...OPT_IN, [WANT]: '192.0.2.300' } },
    message: /"192\.0\.2\.300" is not an IP address/,
  },
  {
    name: 'two-v4',
    spec: { annotations: { ...OPT_IN, [WANT]: '192.0.2.1,192.0.2.2' } },
    message: /two IPv4 addresses/,
  },
  { name: 'no-such-eip', spec: { annotations: { ...OPT_IN, [PIN]: 'nope' } }, message: /nope/ },
  { name: 'outside', spec: { annotations: { ...OPT_IN, [WANT]: '10.99.0.1' } }, message: /10\.99\.0\.1/ },
  {
    name: 'wrong-family',
    spec: { annotations: { ...OPT_IN, [PIN]: 'good' }, ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' },
    message: /IPv6|famil/i,
  },
  {
    name: 'taken-ports',
    spec: { annotations: { ...OPT_IN, [WANT]: '192.0.2.50' }, ports: [{ port: 80 }] },
    message: /192\.0\.2\.50/,
  },
  { name: 'invalid-eip', spec: { annotations: { ...OPT_IN, [PIN]: 'host-bits' } }, message: /host-bits/ },
];

const eipCorpus: { name: string; address: string; reason: string; message: RegExp }[] = [
  {
    name: 'host-bits',
    address: '198.51.100.5/24',
    reason: 'InvalidSpec',
    message: /did you mean 198\.51\.100\.0\/24/,
  },
  { name: 'too-long', address: '198.51.101.0/33', reason: 'InvalidSpec', message: /prefix length/ },
  { name: 'mixed', address: '198.51.102.1-2001:db8::1', reason: 'InvalidSpec', message: /mixes families/ },
  {
    name: 'reversed',
    address: '198.51.103.9-198.51.103.1',
    reason: 'InvalidSpec',
    message: /start is after the end/,
  },
  { name: 'overlap', address: '192.0.2.32/27', reason: 'AddressOverlap', message: /good/ },
];

describe('bad inputs', () => {
  it('bad Eips get Valid=False with the reason and a Warning Event; valid pools keep working', async () => {
    for (const e of eipCorpus) await h.createEip(e.name, { address: e.address });
    for (const e of eipCorpus) {
      await eventually(`${e.name} condition`, async () => {
        const conds = ((await h.eip(e.name))?.status?.['conditions'] ?? []) as {
          type: string;
          status: string;
          reason: string;
          message: string;
        }[];
        const valid = conds.find((c) => c.type === 'Valid');
        return valid?.status === 'False' && valid.reason === e.reason && e.message.test(valid.message);
      });
      await h.waitForEvent(
        'default',
        e.name,
        e.reason === 'AddressOverlap' ? 'EipOverlap' : 'InvalidEip',
        e.message,
      );
    }
    const good = (await h.eip('good'))?.status?.['conditions'] as { type: string; status: string }[];
    expect(good.find((c) => c.type === 'Valid')?.status).toBe('True');
  });

  it('bad Services each get a Warning AssignIPFailed that says why, and stay pending', async () => {
    // The holder of 192.0.2.50 on port 80, so that `taken-ports` collides with it.
    await h.createService('bad', 'holder', {
      annotations: { ...OPT_IN, [WANT]: '192.0.2.50' },
      ports: [{ port: 80 }],
    });
    await h.waitForIps('bad', 'holder');
    for (const c of serviceCorpus) await h.createService('bad', c.name, c.spec);
    for (const c of serviceCorpus) {
      const msg = await h.waitForEvent('bad', c.name, 'AssignIPFailed');
      expect(msg, c.name).toMatch(c.message);
      expect(await h.ipsOf('bad', c.name)).toEqual([]);
    }
  });

  it('Services meant for OpenELB that do not opt in get a Warning NotOptedIn and no IP', async () => {
    const cases: { name: string; annotations: Record<string, string>; message: RegExp }[] = [
      { name: 'capital', annotations: { 'lb.kubesphere.io/v1alpha1': 'OpenELB' }, message: /is "OpenELB"/ },
      { name: 'no-opt-in', annotations: { [PIN]: 'good' }, message: /add the annotation lb\.kubesphere\.io/ },
    ];
    for (const c of cases) await h.createService('bad', c.name, { annotations: c.annotations });
    for (const c of cases) {
      expect(await h.waitForEvent('bad', c.name, 'NotOptedIn'), c.name).toMatch(c.message);
      expect(await h.ipsOf('bad', c.name)).toEqual([]);
    }
  });

  it('the valid Services kept their IPs and a new valid Service still gets one', async () => {
    for (const [name, ips] of before) expect(await h.ipsOf('bad', name)).toEqual(ips);
    await h.createService('bad', 'after', {});
    await h.waitForIps('bad', 'after');
  });

  it('fixing a bad annotation lets the Service get its IP', async () => {
    await h.core.patchNamespacedService({
      namespace: 'bad',
      name: 'bad-ip',
      body: [
        { op: 'replace', path: `/metadata/annotations/${WANT.replace('/', '~1')}`, value: '192.0.2.40' },
      ],
    });
    expect(await h.waitForIps('bad', 'bad-ip')).toEqual(['192.0.2.40']);
  });
});
