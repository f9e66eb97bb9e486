// A throwaway pair of network namespaces joined by a veth, for the layer2 integration tests. Names start
// with `oelbt-` so they never collide with the lab's `oelb-` namespaces; the veth is created directly
// inside the namespaces, so the host never sees it, and deleting the namespaces removes it.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Run a command; never throws. `out` is stdout + stderr. */
export async function sh(
  cmd: string,
  args: string[],
  timeout = 15_000,
): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await exec(cmd, args, { timeout });
    return { ok: true, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** Run a command; throws with its output when it fails. */
export async function must(cmd: string, args: string[]): Promise<string> {
  const r = await sh(cmd, args);
  if (!r.ok) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.out}`);
  return r.out;
}

/** The pair: a "node" side (192.0.2.2, 2001:db8::2) and a "client" side (192.0.2.1, 2001:db8::1). */
export interface NetnsPair {
  readonly clientNs: string;
  readonly nodeNs: string;
  readonly clientIf: string;
  readonly nodeIf: string;
  /** Path for setns / RawSocket's netnsPath. */
  readonly nodeNetnsPath: string;
}

/** Names unique to this process (interface names stay within 15 characters). */
export function netnsPair(tag: string): NetnsPair {
  const id = String(process.pid % 100000);
  return {
    clientNs: `oelbt-${tag}c-${id}`,
    nodeNs: `oelbt-${tag}n-${id}`,
    clientIf: `oelbt${id}c`,
    nodeIf: `oelbt${id}n`,
    nodeNetnsPath: `/run/netns/oelbt-${tag}n-${id}`,
  };
}

/** Fails with a clear message when this machine cannot run the tests (not root, a tool missing). */
export async function assertCanRun(tools: readonly string[]): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error('layer2 integration tests need root (network namespaces, CAP_NET_RAW)');
  for (const tool of tools)
    if (!(await sh('sh', ['-c', `command -v ${tool}`])).ok)
      throw new Error(`${tool} is missing (apt-get install -y iputils-arping ndisc6 iputils-ping)`);
}

/** Create both namespaces, the veth between them, addresses, and bring the links up. */
export async function createPair(p: NetnsPair): Promise<void> {
  await must('ip', ['netns', 'add', p.clientNs]);
  await must('ip', ['netns', 'add', p.nodeNs]);
  const veth = ['link', 'add', p.nodeIf, 'type', 'veth', 'peer', 'name', p.clientIf, 'netns', p.clientNs];
  await must('ip', ['-n', p.nodeNs, ...veth]);
  await must('ip', ['-n', p.nodeNs, 'addr', 'add', '192.0.2.2/24', 'dev', p.nodeIf]);
  await must('ip', ['-n', p.nodeNs, 'addr', 'add', '2001:db8::2/64', 'dev', p.nodeIf, 'nodad']);
  await must('ip', ['-n', p.clientNs, 'addr', 'add', '192.0.2.1/24', 'dev', p.clientIf]);
  await must('ip', ['-n', p.clientNs, 'addr', 'add', '2001:db8::1/64', 'dev', p.clientIf, 'nodad']);
  await must('ip', ['-n', p.nodeNs, 'link', 'set', p.nodeIf, 'up']);
  await must('ip', ['-n', p.clientNs, 'link', 'set', p.clientIf, 'up']);
}

/** Delete both namespaces (and with them the veth). Never throws. */
export async function deletePair(p: NetnsPair): Promise<void> {
  await sh('ip', ['netns', 'del', p.clientNs]);
  await sh('ip', ['netns', 'del', p.nodeNs]);
}
