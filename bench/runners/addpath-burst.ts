// Runs inside a lab node namespace (ip netns exec): the `bgp` benchmark's baseline for what the
// speakers do for 1,000 Services. It connects to the local gobgpd, prints `ready`, then reads
// commands from stdin, one per line: `add` makes `count` AddPath calls for consecutive /32s from
// `first`, with this node's LAN address as next hop, `width` at a time; `delete` withdraws the same
// paths (DeletePath by content). It prints `done <command>` after each, and exits at the end of its
// input. The benchmark starts its clock when it sends a command, so the process's startup is not in
// the baseline's figure (the speakers, too, are running before the product's burst starts), and a
// second `add` runs warm, like the product's second burst.
import { createInterface } from 'node:readline';
import { GobgpClient } from '../../src/bgp/client.js';
import { formatIp, ipFromValue, parseIp } from '../../src/ip/address.js';

const [countText, firstText, nextHop, widthText] = process.argv.slice(2);
const count = Number(countText);
const width = Number(widthText ?? '32');
const first = parseIp(firstText ?? '');
if (!Number.isInteger(count) || !first.ok || nextHop === undefined) {
  console.error(
    'usage: addpath-burst <count> <first-ip> <next-hop> [concurrency]  (commands on stdin: add, delete)',
  );
  process.exit(2);
}
const base = first.value.value;
const hop: string = nextHop;

async function burst(client: GobgpClient, mode: 'add' | 'delete'): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const prefix = formatIp(ipFromValue('IPv4', base + BigInt(next++)));
      if (mode === 'delete') await client.deletePathByContent({ prefix, prefixLen: 32, nextHop: hop });
      else await client.addPath({ prefix, prefixLen: 32, nextHop: hop });
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

const client = new GobgpClient();
await client.getGlobal(); // the HTTP/2 connection is open before the first timed command
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim();
  if (command !== 'add' && command !== 'delete') {
    console.error(`unknown command ${JSON.stringify(command)}`);
    process.exitCode = 2;
    break;
  }
  await burst(client, command);
  console.log(`done ${command}`);
}
client.close();
