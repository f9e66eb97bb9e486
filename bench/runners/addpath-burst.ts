// Runs inside a lab node namespace (ip netns exec): `count` AddPath calls to the local gobgpd for
// consecutive /32s from `first`, with this node's LAN address as next hop: the `bgp` benchmark's
// baseline for what the speakers do for 1,000 Services.
import { GobgpClient } from '../../src/bgp/client.js';
import { formatIp, ipFromValue, parseIp } from '../../src/ip/address.js';

const [countText, firstText, nextHop, widthText] = process.argv.slice(2);
const count = Number(countText);
const width = Number(widthText ?? '32');
const first = parseIp(firstText ?? '');
if (!Number.isInteger(count) || !first.ok || nextHop === undefined) {
  console.error('usage: addpath-burst <count> <first-ip> <next-hop> [concurrency]');
  process.exit(2);
}
const client = new GobgpClient();
let next = 0;
const worker = async (): Promise<void> => {
  while (next < count) {
    const prefix = formatIp(ipFromValue('IPv4', first.value.value + BigInt(next++)));
    await client.addPath({ prefix, prefixLen: 32, nextHop });
  }
};
await Promise.all(Array.from({ length: width }, worker));
client.close();
console.log(`added ${count}`);
