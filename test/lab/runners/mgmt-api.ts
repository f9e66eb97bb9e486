// Runs inside oelb-mgmt: the local Kubernetes API on the management address, plus a unix socket in the
// state dir that the API serves too. Unix sockets live in the file system, not in a network namespace, so
// the host-side forwarder reaches the API through it without any route between host and lab.
//
//   node dist/test/lab/runners/mgmt-api.js <host> <port> <socket> <kubeconfig> [<sa-tokens.json>]
//
// With a token file (`lab up --rbac`) the API enforces RBAC and logs every refused request as a JSON
// line with event "forbidden"; GET /__lab/authz reports the counts per user.

import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
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
// The API serves the relayed connections itself: piping each through a second TCP connection to
// its own port cost the API process a socket write per request and per response (~6 % of its CPU in
// the bgp benchmark's burst). Half-open like node's own HTTP server sockets.
const relay = createServer({ allowHalfOpen: true }, (client) => {
  api.acceptConnection(client);
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
