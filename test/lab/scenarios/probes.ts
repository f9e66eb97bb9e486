// What a user checks in the lab: the router's kernel route for a Service IP and its next hops, and
// HTTP from the client namespace through that route. Shared by the lab tests and the demo.
import type { LabPlan } from '../topology/plan.js';
import { run, runIn, waitFor } from '../topology/sh.js';

/** Next hops of the router's kernel route for `prefix` (empty when there is none). */
export async function routerNextHops(plan: LabPlan, prefix: string): Promise<string[]> {
  const family = prefix.includes(':') ? '-6' : '-4';
  const r = await run('ip', ['-n', plan.ns.router, family, '-j', 'route', 'show', prefix]);
  if (!r.ok || r.stdout.trim() === '') return [];
  const routes = JSON.parse(r.stdout) as { gateway?: string; nexthops?: { gateway?: string }[] }[];
  return routes
    .flatMap((route) => (route.nexthops ?? [route]).map((h) => h.gateway ?? ''))
    .filter((g) => g !== '')
    .sort();
}

/** Wait until the router's FIB has exactly `expected` next hops for `prefix`; returns ms waited. */
export async function waitNextHops(
  plan: LabPlan,
  prefix: string,
  expected: string[],
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  const want = [...expected].sort().join(',');
  const ok = await waitFor(
    async () => ((await routerNextHops(plan, prefix)).join(',') === want ? true : undefined),
    timeoutMs,
    20,
  );
  if (ok === undefined)
    throw new Error(
      `router route ${prefix}: next hops ${(await routerNextHops(plan, prefix)).join(',') || 'none'}, want ${want}`,
    );
  return Date.now() - started;
}

/** `count` HTTP GETs from the client namespace to `url`, one connection each; the bodies. */
export async function httpFromClient(plan: LabPlan, url: string, count: number): Promise<string[]> {
  const urls = Array.from({ length: count }, () => url);
  const r = await runIn(plan.ns.client, 'curl', ['-sS', '--max-time', '3', ...urls], 30_000);
  if (!r.ok) throw new Error(`${r.cmd.slice(0, 120)}...: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}
