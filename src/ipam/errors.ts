/**
 * Refusals as values. Each message names the objects involved and says what to change, because it
 * ends up verbatim in an `AssignIPFailed` Event that a user reads in `kubectl describe svc`.
 */
import { ANNOTATION_DEFAULT_EIP, ANNOTATION_EIP, ANNOTATION_EIP_IP } from '../api/keys.js';
import type { IpFamily } from '../ip/address.js';
import { formatPorts } from './request.js';
import type { AllocationError, IpConflict } from './types.js';

const fam = (family: IpFamily | undefined): string => (family === undefined ? '' : `${family} `);

/** Helpers building each kind of {@link AllocationError}. */
export const allocationErrors = {
  invalidRequest(message: string): AllocationError {
    return { code: 'InvalidRequest', message };
  },

  familyMismatch(message: string, family?: IpFamily, eip?: string): AllocationError {
    return {
      code: 'FamilyMismatch',
      message,
      ...(family === undefined ? {} : { family }),
      ...(eip === undefined ? {} : { eip }),
    };
  },

  eipNotFound(eip: string): AllocationError {
    return {
      code: 'EipNotFound',
      eip,
      message: `Eip ${eip} does not exist: create it or fix the annotation ${ANNOTATION_EIP}`,
    };
  },

  eipInvalid(eip: string, reason: string): AllocationError {
    return {
      code: 'EipInvalid',
      eip,
      message: `Eip ${eip} is invalid (${reason}): fix the Eip, see its conditions and Events`,
    };
  },

  eipDisabled(eip: string, family?: IpFamily): AllocationError {
    return {
      code: 'EipDisabled',
      eip,
      ...(family === undefined ? {} : { family }),
      message: `Eip ${eip} is disabled (spec.disable: true) and takes no new allocations: enable it or choose another Eip`,
    };
  },

  eipDeleting(eip: string, family?: IpFamily): AllocationError {
    return {
      code: 'EipDeleting',
      eip,
      ...(family === undefined ? {} : { family }),
      message: `Eip ${eip} is being deleted and takes no new allocations: choose another Eip`,
    };
  },

  /** `nodeAddresses`: how many addresses of these Eips are Nodes' own (never handed out). */
  eipExhausted(eips: readonly string[], family?: IpFamily, nodeAddresses = 0): AllocationError {
    const one = eips.length === 1;
    const which = one ? `Eip ${eips.join('')} has` : `Eips ${eips.join(', ')} have`;
    const nodes =
      nodeAddresses === 0
        ? ''
        : nodeAddresses === 1
          ? ` (1 of ${one ? 'its' : 'their'} addresses is a Node's own, never handed out)`
          : ` (${String(nodeAddresses)} of ${one ? 'its' : 'their'} addresses are Nodes' own, never handed out)`;
    return {
      code: 'EipExhausted',
      ...(eips.length === 1 ? { eip: eips.join('') } : {}),
      eips: [...eips],
      ...(family === undefined ? {} : { family }),
      message: `${which} no free ${fam(family)}address${nodes}: free some (delete LoadBalancer Services that no longer need one) or add an Eip with more addresses`,
    };
  },

  noEipForNamespace(
    namespace: string,
    family: IpFamily | undefined,
    skipped: readonly string[],
  ): AllocationError {
    const skippedNote =
      skipped.length > 0
        ? ` (${skipped.join(', ')} would match but ${skipped.length === 1 ? 'is' : 'are'} disabled or being deleted)`
        : '';
    return {
      code: 'NoEipForNamespace',
      ...(family === undefined ? {} : { family }),
      message:
        `no ${fam(family)}Eip serves namespace ${namespace}${skippedNote}: add ${namespace} to an Eip's spec.namespaces, ` +
        `label the namespace to match an Eip's spec.namespaceSelector, annotate an Eip ${ANNOTATION_DEFAULT_EIP}: "true", ` +
        `or pin one with the Service annotation ${ANNOTATION_EIP}`,
    };
  },

  ipNotInAnyEip(address: string, family: IpFamily): AllocationError {
    return {
      code: 'IPNotInAnyEip',
      ip: address,
      family,
      message: `${address} is not in any Eip: request an address inside an Eip's spec.address (annotation ${ANNOTATION_EIP_IP} or spec.loadBalancerIP), or create an Eip containing it`,
    };
  },

  ipNotInEip(address: string, eip: string, family: IpFamily): AllocationError {
    return {
      code: 'IPNotInEip',
      ip: address,
      eip,
      family,
      message: `${address} is not in the pinned Eip ${eip}: request an address inside it, or change the annotation ${ANNOTATION_EIP}`,
    };
  },

  nodeAddress(address: string, eip: string, family: IpFamily, node: string): AllocationError {
    return {
      code: 'NodeAddress',
      ip: address,
      eip,
      family,
      message:
        `${address} is the address of Node ${node}: a Service on it would take the address from the node ` +
        `(its kubelet, SSH and API traffic); request another address of Eip ${eip}, or remove the node's ` +
        `addresses from the Eip's range`,
    };
  },

  ipInUse(address: string, eip: string, family: IpFamily, conflicts: readonly IpConflict[]): AllocationError {
    const parts = conflicts.map((c) =>
      c.overlappingPorts.length > 0
        ? `${c.service} on the same ports (${formatPorts(c.overlappingPorts)})`
        : c.explicit
          ? c.service
          : `${c.service} (allocated automatically, so not shareable)`,
    );
    return {
      code: 'IPInUse',
      ip: address,
      eip,
      family,
      conflicts,
      message:
        `${address} is used by ${parts.join(' and ')}: an IP is shared only when every Service on it requests it ` +
        `explicitly and their (protocol, port) pairs differ; use other ports or another IP`,
    };
  },
};
