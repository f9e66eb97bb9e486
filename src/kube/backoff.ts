/** Exponential backoff parameters. */
export interface BackoffPolicy {
  /** Delay after the first failure, in ms. */
  readonly baseMs: number;
  /** Upper bound of any delay, in ms. */
  readonly capMs: number;
  /** Relative jitter: 0.2 spreads each delay uniformly over ±20 % (never above capMs). */
  readonly jitter: number;
}

/** A uniform random number in [0, 1); injectable so tests get exact delays. */
export type RandomFn = () => number;

/**
 * The delay before retry number `attempt` (1 = first retry): baseMs · 2^(attempt-1), capped, then
 * jittered. Jitter keeps many keys (or many informers after an API restart) from retrying in lockstep.
 * Pure: same inputs, same output.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: RandomFn): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^(n-1) overflows to Infinity for huge n; min() handles that.
  const raw = Math.min(policy.capMs, policy.baseMs * 2 ** (n - 1));
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return Math.round(Math.min(policy.capMs, Math.max(0, raw * factor)));
}

/** Failure counter with a policy: `next()` after each failure, `reset()` after a success. */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: RandomFn = Math.random,
  ) {}

  /** Number of consecutive failures recorded so far. */
  get attempt(): number {
    return this.#attempt;
  }

  /** Records a failure and returns how long to wait before trying again. */
  next(): number {
    this.#attempt += 1;
    return backoffDelay(this.#attempt, this.policy, this.random);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
