// `up` notes the running lab's state dir so `status`, `exec`, `vip` and `down` find it without --state.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { activeLabDir, forgetActiveLab, noteActiveLab, STATE_FILE } from '../lab/topology/state.js';

const base = mkdtempSync(join(tmpdir(), 'oelb-active-note-'));
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('the active lab note', () => {
  it('names a state dir while its state file exists, and nothing once forgotten', () => {
    const note = join(base, 'run', 'openelb-lab', 'state-dir');
    const state = join(base, 'qa');
    mkdirSync(state, { recursive: true });
    expect(activeLabDir(note)).toBeUndefined();
    noteActiveLab(state, note);
    // Noted, but no lab state file there (a crashed `up`, or `down` already removed it).
    expect(activeLabDir(note)).toBeUndefined();
    writeFileSync(join(state, STATE_FILE), '{}');
    expect(activeLabDir(note)).toBe(state);
    forgetActiveLab(note);
    expect(activeLabDir(note)).toBeUndefined();
    forgetActiveLab(note);
  });

  it('a note that cannot be written is no error: commands fall back to the default dir', () => {
    const blocker = join(base, 'file');
    writeFileSync(blocker, '');
    expect(() => {
      noteActiveLab(join(base, 'qa'), join(blocker, 'sub', 'state-dir'));
    }).not.toThrow();
    expect(activeLabDir(join(blocker, 'sub', 'state-dir'))).toBeUndefined();
  });
});
