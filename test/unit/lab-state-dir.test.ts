// The lab refuses, with a clear message, a state dir that FRR (running as user frr) could not reach.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closedAncestor } from '../lab/topology/lab.js';

const base = mkdtempSync(join(tmpdir(), 'oelb-state-dir-'));
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('closedAncestor', () => {
  it('names the first ancestor others cannot traverse, and nothing when all can', () => {
    const closed = join(base, 'home');
    mkdirSync(join(closed, 'repo', '.lab'), { recursive: true });
    chmodSync(base, 0o755);
    chmodSync(closed, 0o700);
    chmodSync(join(closed, 'repo'), 0o755);
    expect(closedAncestor(join(closed, 'repo', '.lab'))).toBe(closed);
    chmodSync(closed, 0o755);
    expect(closedAncestor(join(closed, 'repo', '.lab'))).toBeUndefined();
  });
});
