import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkedSignal } from '../../src/kube/abortable.js';

describe('linkedSignal', () => {
  it('aborts with the reason of the first source that aborts, and detaches from all of them', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkedSignal([a.signal, b.signal]);
    expect(linked.signal.aborted).toBe(false);
    b.abort(new Error('b stopped'));
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as Error).message).toBe('b stopped');
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
  });

  it('is aborted at once when a source already is', () => {
    const a = new AbortController();
    a.abort('gone');
    const linked = linkedSignal([new AbortController().signal, a.signal]);
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('gone');
  });

  it('leaves no listener on the sources once disposed, and no longer follows them', () => {
    const a = new AbortController();
    const b = new AbortController();
    for (let i = 0; i < 100; i++) linkedSignal([a.signal, b.signal]).dispose();
    const last = linkedSignal([a.signal, b.signal]);
    last.dispose();
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(0);
    a.abort();
    expect(last.signal.aborted).toBe(false);
  });
});
