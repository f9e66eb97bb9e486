import { describe, expect, it } from 'vitest';
import * as keys from '../../src/api/keys.js';

describe('OpenELB keys stay byte-identical', () => {
  it('annotations, labels and finalizers', () => {
    expect([
      keys.ANNOTATION_LB,
      keys.LB_ANNOTATION_VALUE,
      keys.LB_ANNOTATION_VALUE_LEGACY,
      keys.ANNOTATION_EIP,
      keys.ANNOTATION_EIP_IP,
      keys.ANNOTATION_PROTOCOL,
      keys.LABEL_EIP,
      keys.ANNOTATION_DEFAULT_EIP,
      keys.ANNOTATION_LAYER2_NODE,
      keys.LABEL_RACK,
      keys.LABEL_CNI,
      keys.LABEL_EXCLUDE_FROM_LB,
      keys.FINALIZER_LB,
      keys.FINALIZER_IPAM,
      keys.LOAD_BALANCER_CLASS,
    ]).toEqual([
      'lb.kubesphere.io/v1alpha1',
      'openelb',
      'porter',
      'eip.openelb.kubesphere.io/v1alpha2',
      'eip.openelb.kubesphere.io/v1alpha1',
      'protocol.openelb.kubesphere.io/v1alpha1',
      'eip.openelb.kubesphere.io/v1alpha2',
      'eip.openelb.kubesphere.io/is-default-eip',
      'layer2.openelb.kubesphere.io/v1alpha1',
      'openelb.kubesphere.io/rack',
      'openelb.kubesphere.io/cni',
      'node.kubernetes.io/exclude-from-external-load-balancers',
      'finalizer.lb.kubesphere.io/v1alpha1',
      'finalizer.ipam.kubesphere.io/v1alpha1',
      'openelb.kubesphere.io/lb',
    ]);
  });

  it('group, versions, kinds and runtime names', () => {
    expect(keys.API_VERSION_V1ALPHA2).toBe('network.kubesphere.io/v1alpha2');
    expect(keys.API_VERSION_V1ALPHA1).toBe('network.kubesphere.io/v1alpha1');
    expect([keys.EIP.plural, keys.BGP_CONF.plural, keys.BGP_PEER.plural]).toEqual([
      'eips',
      'bgpconfs',
      'bgppeers',
    ]);
    expect(keys.DEFAULT_NAMESPACE).toBe('openelb-system');
    expect(keys.CONTROLLER_LEASE_NAME).toBe('openelb-manager');
    expect(keys.DEFAULT_BGP_CONF_NAME).toBe('default');
  });

  it('speaker lease names round-trip', () => {
    expect(keys.speakerLeaseName('node-1')).toBe('openelb-speaker-node-1');
    expect(keys.nodeOfSpeakerLease('openelb-speaker-node-1')).toBe('node-1');
    expect(keys.nodeOfSpeakerLease('openelb-speaker-')).toBeUndefined();
    expect(keys.nodeOfSpeakerLease('openelb-manager')).toBeUndefined();
  });
});
