/**
 * Real frames, captured with `tcpdump -w` on a veth pair between two throwaway network namespaces:
 * A = 02:00:5e:10:00:0a (192.0.2.1, 2001:db8::1, 2001:db8::55, fe80::5eff:fe10:a) ran arping/ndisc6/ping;
 * B = 02:00:5e:10:00:0b (192.0.2.2, 2001:db8::2, fe80::5eff:fe10:b) answered with its kernel.
 * Tools: arping from iputils 20221126, ndisc6 1.0.5, Linux 6.18. Hex is the whole frame as the packet socket sees it.
 */

export const MAC_A = '02:00:5e:10:00:0a';
export const MAC_B = '02:00:5e:10:00:0b';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');

/** Fresh copies on every access, so a test that mutates a frame cannot affect another. */
const FRAMES = {
  /** `arping -c 1 -I a 192.0.2.2`: who-has 192.0.2.2 tell 192.0.2.1, to broadcast */
  arpRequestBroadcast: 'ffffffffffff02005e10000a0806000108000604000102005e10000ac0000201ffffffffffffc0000202',
  /** B's kernel answering arpRequestBroadcast: 192.0.2.2 is-at B, to A */
  arpReplyKernel: '02005e10000a02005e10000b0806000108000604000202005e10000bc000020202005e10000ac0000201',
  /** arping's second probe: who-has 192.0.2.2, sent to B's MAC */
  arpRequestUnicast: '02005e10000b02005e10000a0806000108000604000102005e10000ac000020102005e10000bc0000202',
  /** B's kernel answering arpRequestUnicast */
  arpReplyKernelToUnicast:
    '02005e10000a02005e10000b0806000108000604000202005e10000bc000020202005e10000ac0000201',
  /** `arping -I a 192.0.2.77`: nobody owns .77 */
  arpRequestUnknown: 'ffffffffffff02005e10000a0806000108000604000102005e10000ac0000201ffffffffffffc000024d',
  /** `arping -U -s 192.0.2.1 192.0.2.1`: gratuitous request from A */
  garpRequest: 'ffffffffffff02005e10000a0806000108000604000102005e10000ac0000201ffffffffffffc0000201',
  /** `arping -A -s 192.0.2.1 192.0.2.1`: gratuitous reply from A */
  garpReply: 'ffffffffffff02005e10000a0806000108000604000202005e10000ac000020102005e10000ac0000201',
  /** `arping -D 192.0.2.2`: RFC 5227 probe, sender IP 0.0.0.0 */
  arpProbe: 'ffffffffffff02005e10000a0806000108000604000102005e10000a00000000ffffffffffffc0000202',
  /** B's kernel answering arpProbe */
  arpProbeReplyKernel: '02005e10000a02005e10000b0806000108000604000202005e10000bc000020202005e10000a00000000',
  /** `ndisc6 2001:db8::2 a`: NS from fe80::...:a to ff02::1:ff00:2 with source link-layer option A */
  nsMulticast:
    '3333ff00000202005e10000a86dd60027dda00203afffe8000000000000000005efffe10000aff0200000000000000000001ff0000028700902c0000000020010db8000000000000000000000002010102005e10000a',
  /** B's kernel answering nsMulticast: NA S+O from 2001:db8::2 with target link-layer option B */
  naKernel:
    '02005e10000a02005e10000b86dd6000000000203aff20010db8000000000000000000000002fe8000000000000000005efffe10000a8800fe766000000020010db8000000000000000000000002020102005e10000b',
  /** `ndisc6 2001:db8::99 a`: nobody owns ::99 */
  nsUnknown:
    '3333ff00009902005e10000a86dd600f80d000203afffe8000000000000000005efffe10000aff0200000000000000000001ff00009987008efe0000000020010db8000000000000000000000099010102005e10000a',
  /** DAD probe of A for 2001:db8::55: from ::, to ff02::1:ff00:55, with an RFC 7527 nonce option */
  nsDad:
    '3333ff00005502005e10000a86dd6000000000203aff00000000000000000000000000000000ff0200000000000000000001ff0000558700c7200000000020010db80000000000000000000000550e01766673dc8cd8',
  /** A's router solicitation to ff02::2 (ICMPv6 type 133) */
  routerSolicitation:
    '33330000000202005e10000a86dd6000000000103afffe8000000000000000005efffe10000aff0200000000000000000000000000028500bef900000000010102005e10000a',
  /** NS from 2001:db8::55 (A) for 2001:db8::2 to its solicited-node group */
  nsGlobalSource:
    '3333ff00000202005e10000a86dd6000000000203aff20010db8000000000000000000000055ff0200000000000000000001ff0000028700bdb90000000020010db8000000000000000000000002010102005e10000a',
  /** B's kernel answering nsGlobalSource */
  naKernelToGlobal:
    '02005e10000a02005e10000b86dd6000000000203aff20010db800000000000000000000000220010db800000000000000000000005588002c046000000020010db8000000000000000000000002020102005e10000b',
  /** neighbour unreachability probe: NS fe80::...:a -> 2001:db8::2, sent to B's MAC, with option A */
  nsUnicast:
    '02005e10000b02005e10000a86dd6000000000203afffe8000000000000000005efffe10000a20010db8000000000000000000000002870060780000000020010db8000000000000000000000002010102005e10000a',
  /** B's kernel answering nsUnicast (it omits the target link-layer option) */
  naKernelNoOption:
    '02005e10000a02005e10000b86dd6000000000183aff20010db8000000000000000000000002fe8000000000000000005efffe10000a8800809b4000000020010db8000000000000000000000002',
  /** `ping -6 2001:db8::2` from A: ordinary ICMPv6 traffic, hop limit 64 */
  echoRequest:
    '02005e10000b02005e10000a86dd600bfd2400403a4020010db800000000000000000000005520010db80000000000000000000000028000061665b200019b9b046b000000004b190e0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
} as const;

/** Name of one captured frame. */
export type FrameName = keyof typeof FRAMES;

/** A fresh Buffer holding the captured frame. */
export function frame(name: FrameName): Buffer {
  return hex(FRAMES[name]);
}
