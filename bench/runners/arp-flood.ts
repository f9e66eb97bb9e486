// Runs inside the lab's client namespace (ip netns exec): broadcasts `rate` ARP requests per second for `seconds`
// for `target` from `iface` (sender IP `senderIp`) through the project's AF_PACKET addon, and counts the replies
// that say where `target` is. Prints one JSON line: sent, replies, the answering MACs, and the send duration.
//
//   node dist/bench/runners/arp-flood.js <iface> <target-ip> <sender-ip> <rate> <seconds>
import { buildArpRequest } from '../../src/layer2/arp.js';
import { RawSocket } from '../../src/layer2/raw-socket.js';
import { arpReplyFor, framesDue } from '../layer2-core.js';

const [iface, target, senderIp, rateText, secondsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
if (iface === undefined || target === undefined || senderIp === undefined || !(rate > 0) || !(seconds > 0)) {
  console.error('usage: arp-flood <iface> <target-ip> <sender-ip> <rate> <seconds>');
  process.exit(2);
}

let replies = 0;
const macs = new Map<string, number>();
const opened = RawSocket.open({
  interfaceName: iface,
  kind: 'arp',
  onFrame: (frame) => {
    const mac = arpReplyFor(frame, target, senderIp);
    if (mac === undefined) return;
    replies++;
    macs.set(mac, (macs.get(mac) ?? 0) + 1);
  },
});
if (!opened.ok) {
  console.error(opened.error.message);
  process.exit(1);
}
const socket = opened.value;
const request = buildArpRequest(socket.mac, senderIp, target);
if (!request.ok) {
  console.error(request.error);
  process.exit(2);
}

const total = Math.round(rate * seconds);
let sent = 0;
let sendErrors = 0;
const start = performance.now();
// Catch up on every tick to what is due by now, so the average rate holds even when timers fire late.
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = framesDue(performance.now() - start, rate, total);
    while (sent < due) {
      if (!socket.send(request.value).ok) sendErrors++;
      sent++;
    }
    if (sent >= total) {
      clearInterval(timer);
      resolve();
    }
  }, 1);
});
const sendMs = performance.now() - start;
await new Promise((r) => setTimeout(r, 500)); // the last replies
socket.stop();
console.log(
  JSON.stringify({ sent, replies, sendErrors, sendMs: Math.round(sendMs), macs: Object.fromEntries(macs) }),
);
