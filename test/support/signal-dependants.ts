/**
 * How many signals Node's AbortSignal.any() has derived from `signal` and still tracks (its internal
 * `kDependantSignals` set; 0 when there is none). Node 20 never shrinks that set while `signal` lives,
 * so code that derives a signal per call from a long-lived one must not use any(). Tests should first
 * check the probe itself: `AbortSignal.any([control])` must give 1.
 */
export function signalDependants(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((k) => k.description === 'kDependantSignals');
  // Node's own Set, from its internal realm: read `size` rather than test instanceof.
  const set = key === undefined ? undefined : (signal as unknown as Record<symbol, { size?: unknown }>)[key];
  return typeof set?.size === 'number' ? set.size : 0;
}

/**
 * The probe's own check: what signalDependants reports for a fresh signal after one AbortSignal.any()
 * over it. Tests assert it is 1 before trusting a 0 elsewhere.
 */
export function dependantsAfterOneAny(): number {
  const control = new AbortController();
  AbortSignal.any([control.signal]);
  return signalDependants(control.signal);
}
