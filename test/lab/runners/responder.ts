// The lab's stand-in for a Service dataplane (there is no kube-proxy): an HTTP server on port 80 of
// every address of its node namespace, answering with the node's name. A Service IP put on the node's
// `lo` (`npm run lab -- vip add <ip>`) is therefore served by every node it is routed to, so a client
// sees the router's ECMP spread for itself.
//
//   node dist/test/lab/runners/responder.js <node-name> [port]

import { createServer } from 'node:http';

const [nodeName = '', portText = '80'] = process.argv.slice(2);
const port = Number(portText);
if (nodeName === '' || !Number.isInteger(port)) {
  console.error('usage: responder <node-name> [port]');
  process.exit(2);
}

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'x-lab-node': nodeName, connection: 'close' });
  res.end(`${nodeName}\n`);
  req.resume();
});
// '::' with ipv6Only false takes IPv4 too, on every address including VIPs added to lo later.
server.listen({ port, host: '::', ipv6Only: false }, () => {
  console.log(JSON.stringify({ event: 'ready', node: nodeName, port }));
});
const stop = (): void => {
  server.close();
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
