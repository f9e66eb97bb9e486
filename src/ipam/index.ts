/** The IP allocator (pure, no Kubernetes imports): pools from Eips, Service → IPs, reasons as values. */
export { Allocator, type AllocatorOptions } from './allocator.js';
export { selectEips, eipServesNamespace, type EipSelection } from './select.js';
export { serviceKey, wantedFamilies, overlappingPorts, formatPorts } from './request.js';
export {
  FreeAddresses,
  type FreeAddressSet,
  type FreeAddressFactory,
  type Offset,
  type Payload,
} from './free-addresses.js';
export { reservedOffsets } from './pool.js';
export type * from './types.js';
