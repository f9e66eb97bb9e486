// Runs on the host (its only lab process there): listens on 127.0.0.1 and relays each connection to
// the API's unix socket in the state dir, so `kubectl --kubeconfig <state>/kubeconfig` and host tests
// reach the API that runs inside oelb-mgmt. Loopback only. It exits by itself once the socket or the
// management namespace is gone, so a crashed lab never leaves it behind for long.
//
//   node dist/test/lab/runners/host-forward.js <socket> <port-file> <netns-name>

import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';

const [socketPath = '', portFile = '', netns = ''] = process.argv.slice(2);
if (socketPath === '' || portFile === '' || netns === '') {
  console.error('usage: host-forward <socket> <port-file> <netns-name>');
  process.exit(2);
}

const server = createServer((client) => {
  const upstream = createConnection(socketPath);
  client.pipe(upstream).pipe(client);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
});

const stop = (why: string): void => {
  console.log(JSON.stringify({ event: 'stop', reason: why }));
  clearInterval(watchdog);
  server.close();
  process.exit(0);
};
const watchdog = setInterval(() => {
  if (!existsSync(`/run/netns/${netns}`)) stop('namespace gone');
  else if (!existsSync(socketPath)) stop('socket gone');
}, 1000);
process.on('SIGTERM', () => {
  stop('SIGTERM');
});
process.on('SIGINT', () => {
  stop('SIGINT');
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  // Written aside and renamed: `lab up` reads the file as soon as it exists, and could otherwise read
  // it empty, between its creation and the write (a kubeconfig with no port, ECONNREFUSED on :80).
  writeFileSync(`${portFile}.tmp`, `${String(port)}\n`);
  renameSync(`${portFile}.tmp`, portFile);
  console.log(JSON.stringify({ event: 'ready', port }));
});
