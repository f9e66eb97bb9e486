import { describe, expect, it } from 'vitest';
import {
  formatMac,
  ipv6ToBytes,
  parseMac,
  solicitedNodeAddress,
  solicitedNodeMac,
} from '../../src/layer2/addresses.js';
import { icmpv6Checksum, internetChecksum } from '../../src/layer2/checksum.js';
import { buildEthernet, parseEthernet } from '../../src/layer2/ethernet.js';
import { frame } from './layer2-frames.js';

describe('internetChecksum (RFC 1071)', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    // 0001 + f203 + f4f5 + f6f7 = 0x2ddf0 -> folded 0xddf2 -> complement 0x220d
    expect(internetChecksum([Buffer.from('0001f203f4f5f6f7', 'hex')])).toBe(0x220d);
  });

  it('pads an odd trailing byte with zero and carries odd parts into the next part', () => {
    expect(internetChecksum([Buffer.from('01', 'hex')])).toBe(~0x0100 & 0xffff);
    const whole = Buffer.from('0001f203f4f5f6f7ab', 'hex');
    expect(internetChecksum([whole.subarray(0, 3), whole.subarray(3, 4), whole.subarray(4)])).toBe(
      internetChecksum([whole]),
    );
  });

  it('is 0xffff for no data', () => {
    expect(internetChecksum([])).toBe(0xffff);
  });
});

describe('icmpv6Checksum over the pseudo-header', () => {
  it('verifies a captured ICMPv6 echo request (sums to 0)', () => {
    const f = frame('echoRequest');
    const icmp = f.subarray(54, 54 + f.readUInt16BE(18));
    expect(icmpv6Checksum(f.subarray(22, 38), f.subarray(38, 54), icmp)).toBe(0);
  });

  it('recomputes the checksum the kernel put into its NA', () => {
    const f = frame('naKernel');
    const icmp = Buffer.from(f.subarray(54));
    const sent = icmp.readUInt16BE(2);
    icmp.writeUInt16BE(0, 2);
    expect(icmpv6Checksum(f.subarray(22, 38), f.subarray(38, 54), icmp)).toBe(sent);
  });
});

describe('solicited-node multicast (RFC 4291 §2.7.1, RFC 2464 §7)', () => {
  it.each([
    ['2001:db8::2', 'ff02::1:ff00:2', '33:33:ff:00:00:02'],
    ['4037::1:800:200e:8c6c', 'ff02::1:ff0e:8c6c', '33:33:ff:0e:8c:6c'],
    ['fe80::5eff:fe10:a', 'ff02::1:ff10:a', '33:33:ff:10:00:0a'],
  ])('%s -> %s / %s', (ip, group, mac) => {
    expect(solicitedNodeAddress(ip)).toEqual({ ok: true, value: group });
    expect(solicitedNodeMac(ip)).toEqual({ ok: true, value: mac });
  });

  it('rejects IPv4 and garbage', () => {
    expect(solicitedNodeMac('192.0.2.1')).toEqual({ ok: false, error: '"192.0.2.1" is not an IPv6 address' });
    expect(solicitedNodeAddress('fe80::1%eth0').ok).toBe(false);
  });
});

describe('MAC and Ethernet', () => {
  it('parses MACs case-insensitively into lower case and rejects other shapes', () => {
    expect(parseMac('02:00:5E:10:00:0A')).toEqual({ ok: true, value: '02:00:5e:10:00:0a' });
    for (const bad of ['02:00:5e:10:00', '02-00-5e-10-00-0a', '0200.5e10.000a', '02:00:5e:10:00:0g', '']) {
      expect(parseMac(bad).ok, bad).toBe(false);
    }
    expect(formatMac(Buffer.from('3333ff000002', 'hex'))).toBe('33:33:ff:00:00:02');
  });

  it('round-trips a captured frame through parse and build', () => {
    const f = frame('arpRequestBroadcast');
    const eth = parseEthernet(f);
    if (!eth.ok) throw new Error(eth.error);
    expect(
      buildEthernet(eth.value.destination, eth.value.source, eth.value.etherType, eth.value.payload),
    ).toEqual(f);
    expect(parseEthernet(f.subarray(0, 13))).toEqual({
      ok: false,
      error: 'frame of 13 bytes is shorter than an Ethernet header (14)',
    });
  });

  it('converts IPv6 text to bytes and rejects zone ids', () => {
    expect(ipv6ToBytes('2001:db8::2')).toEqual({
      ok: true,
      value: Buffer.from('20010db8000000000000000000000002', 'hex'),
    });
    expect(ipv6ToBytes('fe80::1%eth0').ok).toBe(false);
  });
});
