/** BgpPeer timers: jsonpb int64 strings ("90") or plain numbers, checked against RFC 4271. */
import type { FieldError } from '../errors.js';
import { isRecord } from './envelope.js';

/** Timer values in seconds; undefined = gobgp's default. */
export interface BgpTimers {
  readonly connectRetry: number | undefined;
  readonly holdTime: number | undefined;
  readonly keepaliveInterval: number | undefined;
  readonly minimumAdvertisementInterval: number | undefined;
}

/** Largest timer accepted: the BGP hold time is a 16-bit field, and nothing else needs longer. */
const MAX_SECONDS = 65535;
const NAMES = ['connectRetry', 'holdTime', 'keepaliveInterval', 'minimumAdvertisementInterval'] as const;

/** Seconds from a number or a string of digits; an error message otherwise. */
export function parseSeconds(value: unknown): { seconds?: number; error?: string } {
  let n: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) n = value;
  else if (typeof value === 'string' && /^[0-9]{1,10}$/.test(value)) n = Number(value);
  if (n === undefined || n < 0) {
    return {
      error: `must be a whole number of seconds, as a number or a string of digits (90 or "90"), got ${JSON.stringify(value)}`,
    };
  }
  if (n > MAX_SECONDS) return { error: `must be at most ${MAX_SECONDS} seconds, got ${n}` };
  return { seconds: n };
}

/** Read `spec.timers.config`, pushing precise errors for bad values and inconsistent pairs. */
export function readTimers(raw: unknown, path: string, errors: FieldError[]): BgpTimers {
  const values: Partial<Record<(typeof NAMES)[number], number>> = {};
  if (isRecord(raw)) {
    for (const name of NAMES) {
      if (raw[name] === undefined || raw[name] === null) continue;
      const parsed = parseSeconds(raw[name]);
      if (parsed.error !== undefined) errors.push({ path: `${path}.${name}`, message: parsed.error });
      else values[name] = parsed.seconds;
    }
  }
  const { holdTime, keepaliveInterval } = values;
  if (holdTime !== undefined && holdTime > 0 && holdTime < 3) {
    errors.push({
      path: `${path}.holdTime`,
      message: `must be 0 (no keepalives) or between 3 and ${MAX_SECONDS} seconds (RFC 4271), got ${holdTime}`,
    });
  }
  if (
    holdTime !== undefined &&
    holdTime > 0 &&
    keepaliveInterval !== undefined &&
    keepaliveInterval >= holdTime
  ) {
    errors.push({
      path: `${path}.keepaliveInterval`,
      message: `must be less than holdTime (${holdTime}); a third of it (${Math.floor(holdTime / 3)}) is usual`,
    });
  }
  return {
    connectRetry: values.connectRetry,
    holdTime,
    keepaliveInterval,
    minimumAdvertisementInterval: values.minimumAdvertisementInterval,
  };
}
