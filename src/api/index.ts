/** The OpenELB API: keys, CR types, schemas and the parse functions. */
export * from './keys.js';
export * from './types.js';
export * from './errors.js';
export * from './label-selector.js';
export { parseEip, parseInterface, formatInterface, isDefaultEipAnnotation } from './parse/eip.js';
export type { EipConfig, InterfaceSelector } from './parse/eip.js';
export { parseBgpConf, isHonouredBgpConf } from './parse/bgpconf.js';
export type { BgpGlobalConfig, GracefulRestartConfig } from './parse/bgpconf.js';
export { parseBgpPeer, defaultAfiSafi } from './parse/bgppeer.js';
export type { AfiSafiConfig, BgpPeerConfig, PeerAuth } from './parse/bgppeer.js';
export type { BgpTimers } from './parse/timers.js';
export { EIP_PROTOCOLS, DEFAULT_EIP_PROTOCOL, CAN_REACH_PREFIX, type EipProtocol } from './schema/eip.js';
export { BGP_DEFAULT_PORT, BGP_RECOMMENDED_PORT, LISTEN_PORT_DISABLED } from './schema/bgpconf.js';
export { ASN_MIN, ASN_MAX } from './schema/common.js';
