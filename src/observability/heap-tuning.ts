/**
 * V8 heap tuning of the controller and speaker processes, applied by the program itself (no
 * NODE_OPTIONS, no re-exec) so every user gets it. See ADR 0008, "Memory".
 *
 * V8 lets the old generation grow up to 4× its live size between full collections on a machine
 * with plenty of memory. The controller's live heap is small (≈75 MB with 10,000 Services, half of
 * it client-node's code) but a burst promotes a steady stream of short-lived objects (cached
 * Service versions, Eip status answers), so the peak RSS was mostly garbage waiting for a full GC.
 * The speaker is the same: listing 10,000 Services and EndpointSlices and announcing them leaves
 * garbage of every page and path behind (`npm run bench -- speaker`; ADR 0011, "Slim caches").
 * A 25 % growth step trades a few more incremental full collections for a peak close to the live size.
 * `--heap-growing-percent` is read at every heap-limit computation, so it can be set at run time;
 * the limit in force was computed at the last full GC (while the modules loaded, with the 4×
 * factor), so one full GC right after setting the flag makes the step apply from the start.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The environment variable that overrides the growth step (0 restores V8's default). */
export const HEAP_GROWING_ENV = 'OPENELB_HEAP_GROWING_PERCENT';

/** The default growth step, in percent of the live old generation. */
export const DEFAULT_HEAP_GROWING_PERCENT = 25;

/**
 * The growth step to apply: the environment value when it is an integer in [0, 1000], else the
 * default. Pure, for tests.
 */
export function heapGrowingPercent(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[HEAP_GROWING_ENV]?.trim();
  if (raw === undefined || raw === '' || !/^\d+$/.test(raw)) return DEFAULT_HEAP_GROWING_PERCENT;
  const value = Number(raw);
  return value <= 1000 ? value : DEFAULT_HEAP_GROWING_PERCENT;
}

/** Applies the growth step to this process; returns the value applied (0: V8's own heuristic). */
export function tuneHeap(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const percent = heapGrowingPercent(env);
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  if (percent > 0) collectGarbageOnce();
  return percent;
}

/** One full GC (≈10 ms at startup). `gc` is exposed only inside a throwaway context, never globally. */
function collectGarbageOnce(): void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc === 'function') (gc as () => void)();
}
