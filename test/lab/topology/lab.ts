// `lab up` and `lab down`: build the sealed topology, start router, API, controller, and per node
// gobgpd + speaker + HTTP responder; and remove all of it again, also after a crash.

import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { repoRoot } from '../commands/paths.js';
import { startBird } from './bird.js';
import { startFrr } from './frr.js';
import { startGobgpd } from './gobgp.js';
import { installLabRbac, prepareLabRbac } from './rbac.js';
import { buildTopology, labNamespaces, teardownNamespaces } from './netns.js';
import { registerNodes } from './nodes.js';
import type { LabOptions, LabPlan, NodePlan } from './plan.js';
import { MGMT_API_IP, MGMT_API_PORT, planLab, validateOptions } from './plan.js';
import { alive, cmdline, spawnDetached, tail, type ProcessRecord, type SpawnSpec } from './processes.js';
import { rootProblem, run, sleep, waitFor, which } from './sh.js';
import {
  activeLabDir,
  forgetActiveLab,
  loadState,
  noteActiveLab,
  saveState,
  statePaths,
  type LabState,
} from './state.js';

/** Compiled entry points the lab starts as processes (the lab runs from dist/). */
export function distPaths(): {
  cli: string;
  lab: string;
  mgmtApi: string;
  forward: string;
  responder: string;
} {
  const dist = join(repoRoot(), 'dist');
  return {
    // The shipped program (dist/bundle, as in the image), not tsc's per-file output.
    cli: join(dist, 'bundle', 'cli.js'),
    lab: join(dist, 'test', 'lab', 'cli.js'),
    mgmtApi: join(dist, 'test', 'lab', 'runners', 'mgmt-api.js'),
    forward: join(dist, 'test', 'lab', 'runners', 'host-forward.js'),
    responder: join(dist, 'test', 'lab', 'runners', 'responder.js'),
  };
}

export interface SpeakerContext {
  readonly plan: LabPlan;
  /** kubeconfig usable inside the lab namespaces. */
  readonly kubeconfig: string;
  readonly dir: string;
  /** Long options the built `speaker` command accepts (from its --help), e.g. `--node-name`. */
  readonly speakerFlags: ReadonlySet<string>;
}

/**
 * The hook that starts one node's speaker. The default runs `openelb-manager speaker` in the node's
 * namespace; NODE_NAME and KUBECONFIG are set as a DaemonSet pod would see them.
 */
export type SpeakerCommand = (node: NodePlan, ctx: SpeakerContext) => SpawnSpec;

export const defaultSpeakerCommand: SpeakerCommand = (node, ctx) => ({
  role: 'speaker',
  ns: node.ns,
  argv: [
    process.execPath,
    distPaths().cli,
    'speaker',
    // Flags only once the speaker has them: an unknown option would make it exit at once.
    ...(ctx.speakerFlags.has('--node-name') ? ['--node-name', node.name] : []),
    ...(ctx.speakerFlags.has('--kubeconfig') ? ['--kubeconfig', ctx.kubeconfig] : []),
  ],
  log: join(ctx.dir, 'speaker.log'),
  env: { NODE_NAME: node.name, KUBECONFIG: ctx.kubeconfig, POD_NAMESPACE: 'openelb-system' },
});

export interface UpRequest {
  readonly options: LabOptions;
  readonly stateDir: string;
  readonly speaker?: SpeakerCommand;
  /** Node options for the controller's process, before its script (e.g. --cpu-prof for diagnosis). */
  readonly controllerNodeArgs?: readonly string[];
  /** Node options for the local API's process, before its script (e.g. --cpu-prof for diagnosis). */
  readonly apiNodeArgs?: readonly string[];
  /** Progress lines for users; tests pass a no-op. */
  readonly say?: (line: string) => void;
}

/** Why `up` cannot start here (not root, tools or build output missing), or undefined. */
export async function upProblems(options: LabOptions): Promise<string[]> {
  const problems: string[] = [];
  const root = rootProblem();
  if (root !== undefined) problems.push(root);
  const tools: [string, string][] = [
    ['ip', 'iproute2'],
    ['gobgpd', 'gobgpd'],
    ['gobgp', 'gobgpd'],
  ];
  if (options.router === 'frr') tools.push(['/usr/lib/frr/zebra', 'frr'], ['vtysh', 'frr']);
  else tools.push(['bird', 'bird2'], ['birdc', 'bird2']);
  for (const [tool, pkg] of tools)
    if ((await which(tool)) === undefined) problems.push(`${tool} is missing: apt-get install -y ${pkg}`);
  for (const file of Object.values(distPaths()))
    if (!existsSync(file)) problems.push(`${file} is missing: run \`npm run build\` first`);
  return problems;
}

/** Write a kubeconfig for plain http (client-node needs insecure-skip-tls-verify for http). */
export function writeKubeconfig(path: string, server: string): void {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lab', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'admin', user: { token: 'admin' } }],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'admin', namespace: 'default' } }],
    'current-context': 'lab',
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
}

/** The long options of `openelb-manager speaker`, read from its --help. */
export async function speakerFlags(): Promise<Set<string>> {
  const r = await run(process.execPath, [distPaths().cli, 'speaker', '--help']);
  return new Set(r.stdout.match(/--[a-z][a-z0-9-]*/g) ?? []);
}

async function waitFile(path: string, timeoutMs: number, what: string, log: string): Promise<void> {
  const ok = await waitFor(() => Promise.resolve(existsSync(path) || undefined), timeoutMs, 50);
  if (ok === undefined)
    throw new Error(`${what} did not become ready in ${String(timeoutMs)} ms; log:\n${tail(log)}`);
}

/** Build the lab. On failure everything started so far is removed again and the error is thrown. */
export async function labUp(req: UpRequest): Promise<LabState> {
  const say = req.say ?? ((): void => undefined);
  const invalid = validateOptions(req.options);
  if (invalid !== undefined) throw new Error(invalid);
  const problems = await upProblems(req.options);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const existing = loadState(req.stateDir);
  const leftovers = await labNamespaces();
  if (existing !== undefined || leftovers.length > 0)
    throw new Error(
      `a lab already exists (${existing !== undefined ? 'state file' : leftovers.join(', ')}): run \`npm run lab -- down\` first`,
    );
  try {
    const state = await bringUp(req, say);
    noteActiveLab(req.stateDir);
    return state;
  } catch (err) {
    await labDown(req.stateDir);
    throw err;
  }
}

async function bringUp(req: UpRequest, say: (line: string) => void): Promise<LabState> {
  const started = Date.now();
  const plan = planLab(req.options);
  const paths = statePaths(req.stateDir);
  const dist = distPaths();
  for (const d of [paths.dir, paths.router, paths.mgmt, ...plan.nodes.map((n) => paths.node(n.name))])
    mkdirSync(d, { recursive: true });
  // FRR drops to user frr, which must be able to traverse the state dir (mkdtemp makes it 0700).
  chmodSync(paths.dir, 0o755);
  if (req.options.router === 'frr') {
    const closed = closedAncestor(paths.dir);
    if (closed !== undefined)
      throw new Error(
        `FRR runs as user frr and cannot reach ${paths.dir}: ${closed} is not searchable by other users; ` +
          `use a state dir under /tmp (--state /tmp/oelb-lab) or chmod o+x ${closed}`,
      );
  }
  // With --rbac the API serves TLS: kubectl sends bearer tokens only over https.
  const scheme = req.options.rbac === true ? 'https' : 'http';
  const inLabApiUrl = `${scheme}://${MGMT_API_IP}:${String(MGMT_API_PORT)}`;
  let state: LabState = {
    version: 1,
    stateDir: paths.dir,
    options: req.options,
    createdAt: new Date().toISOString(),
    kubeconfig: paths.kubeconfig,
    kubeconfigInLab: paths.kubeconfigInLab,
    inLabApiUrl,
    processes: [],
  };
  const record = (p: ProcessRecord | ProcessRecord[]): void => {
    state = { ...state, processes: [...state.processes, ...(Array.isArray(p) ? p : [p])] };
    saveState(state);
  };
  saveState(state);

  await buildTopology(plan);
  say(
    `topology: ${String(plan.nodes.length)} nodes, LAN ${plan.subnets.lanV4} (${String(Date.now() - started)} ms)`,
  );

  const routerDir = paths.router;
  const router =
    req.options.router === 'frr' ? await startFrr(plan, routerDir) : await startBird(plan, routerDir);
  record(
    router.pids.map((p) => ({
      role: p.role,
      ns: plan.ns.router,
      pid: p.pid,
      log: join(routerDir, `${p.role}.log`),
      argv: [],
    })),
  );
  say(`router: ${req.options.router} AS ${String(plan.routerAsn)} on ${plan.router.lan.v4}`);

  const rbac = req.options.rbac === true ? prepareLabRbac(paths.mgmt) : undefined;
  const apiLog = join(paths.mgmt, 'api.log');
  record(
    await spawnDetached({
      role: 'api',
      ns: plan.ns.mgmt,
      argv: [
        process.execPath,
        ...(req.apiNodeArgs ?? []),
        dist.mgmtApi,
        MGMT_API_IP,
        String(MGMT_API_PORT),
        paths.apiSocket,
        paths.kubeconfigInLab,
        ...(rbac === undefined ? [] : [rbac.tokensFile]),
      ],
      log: apiLog,
    }),
  );
  await waitFile(paths.kubeconfigInLab, 15_000, 'the local Kubernetes API', apiLog);
  const fwdLog = join(paths.mgmt, 'forward.log');
  record(
    await spawnDetached({
      role: 'forward',
      argv: [process.execPath, dist.forward, paths.apiSocket, paths.forwardPort, plan.ns.mgmt],
      log: fwdLog,
    }),
  );
  await waitFile(paths.forwardPort, 10_000, 'the host forwarder', fwdLog);
  const hostApiUrl = `${scheme}://127.0.0.1:${readFileSync(paths.forwardPort, 'utf8').trim()}`;
  writeKubeconfig(paths.kubeconfig, hostApiUrl);
  state = { ...state, hostApiUrl };
  saveState(state);
  say(`api: ${inLabApiUrl} in ${plan.ns.mgmt}, ${hostApiUrl} on the host`);

  const kc = new KubeConfig();
  kc.loadFromFile(paths.kubeconfig);
  await registerNodes(kc, plan.nodes, new Date());
  if (rbac !== undefined) {
    await installLabRbac(kc, rbac, inLabApiUrl);
    say('rbac: enforced; controller and speakers use their ServiceAccount tokens');
  }

  const flags = req.options.managers ? await speakerFlags() : new Set<string>();
  for (const node of plan.nodes) {
    const dir = paths.node(node.name);
    record(await startGobgpd(plan, node, dir, req.options.gobgpd));
    record(
      await spawnDetached({
        role: 'responder',
        ns: node.ns,
        argv: [process.execPath, dist.responder, node.name, '80'],
        log: join(dir, 'responder.log'),
      }),
    );
    if (req.options.managers)
      record(
        await spawnDetached(
          (req.speaker ?? defaultSpeakerCommand)(node, {
            plan,
            kubeconfig: rbac?.speakerKubeconfig ?? paths.kubeconfigInLab,
            dir,
            speakerFlags: flags,
          }),
        ),
      );
  }
  if (req.options.managers) {
    record(
      await spawnDetached({
        role: 'controller',
        ns: plan.ns.mgmt,
        argv: [
          process.execPath,
          ...(req.controllerNodeArgs ?? []),
          dist.cli,
          'controller',
          '--kubeconfig',
          rbac?.controllerKubeconfig ?? paths.kubeconfigInLab,
        ],
        log: join(paths.mgmt, 'controller.log'),
        env: { POD_NAMESPACE: 'openelb-system' },
      }),
    );
  }
  // Give every process a moment to fail on bad flags or config, then insist they all stay up.
  await sleep(700);
  const dead = state.processes.filter((p) => !alive(p.pid));
  if (dead.length > 0)
    throw new Error(
      dead.map((p) => `${p.role} in ${p.ns ?? 'host'} exited; log ${p.log}:\n${tail(p.log)}`).join('\n'),
    );
  say(`lab up in ${String(Date.now() - started)} ms`);
  return state;
}

/** What `down` removed. */
export interface DownReport {
  readonly namespaces: string[];
  readonly killed: number;
  readonly stateRemoved: boolean;
}

/** Remove the lab: host forwarder, every process in lab namespaces, the namespaces, the state files. */
export async function labDown(stateDir: string): Promise<DownReport> {
  const root = rootProblem();
  if (root !== undefined) throw new Error(root);
  const paths = statePaths(stateDir);
  let killed = 0;
  // The namespaces go whatever their state dir; so does the host forwarder of the lab `up` noted as
  // running, even when `down` was given another --state.
  for (const dir of new Set([resolve(stateDir), activeLabDir() ?? resolve(stateDir)])) {
    const state = loadState(dir);
    if (state === undefined || 'error' in state) continue;
    const apiSocket = statePaths(dir).apiSocket;
    for (const p of state.processes) {
      // Only the host forwarder lives outside the namespaces; check the pid still is it before killing.
      if (p.ns !== undefined || !alive(p.pid) || !(cmdline(p.pid) ?? '').includes(apiSocket)) continue;
      process.kill(p.pid, 'SIGTERM');
      killed++;
    }
  }
  const ns = await teardownNamespaces();
  forgetActiveLab();
  let stateRemoved = false;
  if (existsSync(paths.dir)) {
    for (const entry of readdirSync(paths.dir)) {
      if (
        ['lab.json', 'lab.json.tmp', 'kubeconfig', 'kubeconfig.lab', 'router', 'mgmt'].includes(entry) ||
        /^node\d+$/.test(entry)
      ) {
        rmSync(join(paths.dir, entry), { recursive: true, force: true });
        stateRemoved = true;
      }
    }
  }
  return { namespaces: ns.namespaces, killed: killed + ns.killed, stateRemoved };
}

/** The first ancestor of `dir` that other users cannot traverse (no o+x), or undefined. */
export function closedAncestor(dir: string): string | undefined {
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return d;
    if (dirname(d) === d) return undefined;
  }
}
