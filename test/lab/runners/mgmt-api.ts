// Runs inside oelb-mgmt: the local Kubernetes API on the management address, plus a unix socket in the
// state dir that relays to it. Unix sockets live in the file system, not in a network namespace, so
// the host-side forwarder reaches the API through it without any route between host and lab.
//
//   node dist/test/lab/runners/mgmt-api.js <host> <port> <socket> <kubeconfig> [<sa-tokens.json>]
//
// With a token file (`lab up --rbac`) the API enforces RBAC and logs every refused request as a JSON
// line with event "forbidden"; GET /__lab/authz reports the counts per user.

import { rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { shutdownSignal, untilAborted } from '../../../src/run-until-signal.js';
import { startLocalApi } from '../apiserver/index.js';
import { readTokensFile } from '../topology/rbac.js';

const [host = '', portText = '', socketPath = '', kubeconfig = '', tokensFile = ''] = process.argv.slice(2);
const port = Number(portText);
if (host === '' || !Number.isInteger(port) || socketPath === '' || kubeconfig === '') {
  console.error('usage: mgmt-api <host> <port> <socket> <kubeconfig>');
  process.exit(2);
}

const signal = shutdownSignal();
const rbac =
  tokensFile === ''
    ? undefined
    : {
        serviceAccountTokens: readTokensFile(tokensFile),
        onDenied: (d: object): void => {
          console.log(JSON.stringify({ event: 'forbidden', ...d }));
        },
      };
const api = await startLocalApi({ host, port, ...(rbac === undefined ? {} : { rbac }) });
rmSync(socketPath, { force: true });
const relay = createServer((client) => {
  const upstream = createConnection({ host, port });
  client.pipe(upstream).pipe(client);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
});
await new Promise<void>((resolve) => relay.listen(socketPath, resolve));
// Written last: its presence tells `lab up` that both listeners are ready.
api.writeKubeconfig(kubeconfig);
console.log(JSON.stringify({ event: 'ready', url: api.url, socket: socketPath }));
await untilAborted(signal);
relay.close();
await api.stop();
rmSync(socketPath, { force: true });
console.log(JSON.stringify({ event: 'stop' }));
