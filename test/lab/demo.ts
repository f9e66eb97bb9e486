// `npm run demo`: the main job on the embedded default. First the controller on the local
// Kubernetes API (no root needed), then, as root, BGP end to end in the sealed lab. Without root the
// lab part is skipped and the reason printed. Exit code 0 only when every check behaved as expected.
import { fileURLToPath } from 'node:url';
import { runBgpDemo } from './demo-bgp.js';
import { runControllerDemo } from './demo-controller.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

const controller = await runControllerDemo();
const bgp = await runBgpDemo(repo);
const parts = [`controller ${controller.passed}/${controller.passed + controller.failed}`];
if ('skipped' in bgp) parts.push(`BGP lab skipped: ${bgp.skipped}`);
else parts.push(`BGP lab ${bgp.passed}/${bgp.passed + bgp.failed}`);
console.log(`\ndemo summary: ${parts.join('; ')}`);
const failed = controller.failed + ('skipped' in bgp ? 0 : bgp.failed);
if (failed > 0) process.exitCode = 1;
