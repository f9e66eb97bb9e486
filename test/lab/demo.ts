// `npm run demo`: the main job on the embedded default. First the controller on the local
// Kubernetes API (no root needed), then, as root, BGP and Layer2 end to end in the sealed lab. Without root
// the lab parts are skipped and the reason printed. Exit code 0 only when every check behaved as expected.
import { acquireLabLock } from '../integration/lab-harness.js';
import { runBgpDemo } from './demo-bgp.js';
import { runControllerDemo } from './demo-controller.js';
import { runLayer2Demo } from './demo-layer2.js';
import { rootProblem } from './topology/sh.js';

const controller = await runControllerDemo();
// One lab per machine: wait for a lab test or benchmark holding the lab to finish.
const release = rootProblem() === undefined ? await acquireLabLock(15 * 60_000) : undefined;
let bgp: Awaited<ReturnType<typeof runBgpDemo>>;
let layer2: Awaited<ReturnType<typeof runLayer2Demo>>;
try {
  bgp = await runBgpDemo();
  layer2 = await runLayer2Demo();
} finally {
  release?.();
}
const parts = [`controller ${String(controller.passed)}/${String(controller.passed + controller.failed)}`];
let failed = controller.failed;
for (const [name, result] of [
  ['BGP', bgp],
  ['Layer2', layer2],
] as const) {
  if ('skipped' in result) parts.push(`${name} lab skipped: ${result.skipped}`);
  else {
    parts.push(`${name} lab ${String(result.passed)}/${String(result.passed + result.failed)}`);
    failed += result.failed;
  }
}
console.log(`\ndemo summary: ${parts.join('; ')}`);
if (failed > 0) process.exitCode = 1;
