/**
 * The allocator's Service key → state table: a string-keyed hash table with open addressing
 * (linear probing, backward-shift deletion), written by hand for one reason, measured in the
 * `allocator` benchmark's churn (65,534 live Services, release one, assign another):
 * V8's Map compares a looked-up string against each candidate in its bucket chain by reading the
 * candidate string, a cache miss per candidate among tens of thousands of keys; the two Map lookups
 * per operation pair were ~43 % of the allocator's churn time. Here each slot keeps the key's hash
 * next to the key, so a probe reads one contiguous slot and touches a stored key only when the
 * hashes are equal. See docs/adr/0007-allocator.md.
 */

/** FNV-1a over UTF-16 code units, folded to a positive small integer (never 0: 0 marks a free slot). */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return ((h ^ (h >>> 15)) & 0x3fffffff) | 1;
}

const MIN_CAPACITY = 16;
/** Slot layout in `slots`: [hash, key, value] per slot, so one probe reads one cache line. */
const WIDTH = 3;

/** A Map<string, V> for the allocator's hot path (get, set, delete, values). */
export class ServiceTable<V> {
  #capacity = MIN_CAPACITY;
  #mask = MIN_CAPACITY - 1;
  #slots: (number | string | V)[] = new Array<number>(MIN_CAPACITY * WIDTH).fill(0);
  #size = 0;
  /**
   * The last key hashed and its hash: the allocator looks a key up and then sets or deletes it, and
   * hashing in JS (V8 caches its own string hashes, but does not expose them) was a fifth of the
   * table's cost before this memo.
   */
  #lastKey: string | undefined;
  #lastHash = 0;

  get size(): number {
    return this.#size;
  }

  get(key: string): V | undefined {
    const slot = this.#find(key, this.#hash(key));
    return slot < 0 ? undefined : (this.#slots[slot * WIDTH + 2] as V);
  }

  has(key: string): boolean {
    return this.#find(key, this.#hash(key)) >= 0;
  }

  set(key: string, value: V): this {
    const hash = this.#hash(key);
    let slot = this.#find(key, hash);
    if (slot >= 0) {
      this.#slots[slot * WIDTH + 2] = value;
      return this;
    }
    if ((this.#size + 1) * 2 > this.#capacity) {
      this.#resize(this.#capacity * 2);
      slot = this.#find(key, hash);
    }
    const at = (-1 - slot) * WIDTH;
    this.#slots[at] = hash;
    this.#slots[at + 1] = key;
    this.#slots[at + 2] = value;
    this.#size++;
    return this;
  }

  delete(key: string): boolean {
    let hole = this.#find(key, this.#hash(key));
    if (hole < 0) return false;
    const slots = this.#slots;
    const mask = this.#mask;
    // Backward-shift deletion: move later entries of the probe run into the hole when their home
    // slot is not between the hole and them, so lookups never need tombstones.
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const hash = slots[next * WIDTH] as number;
      if (hash === 0) break;
      if (((next - (hash & mask)) & mask) >= ((next - hole) & mask)) {
        slots[hole * WIDTH] = hash;
        slots[hole * WIDTH + 1] = slots[next * WIDTH + 1] as string;
        slots[hole * WIDTH + 2] = slots[next * WIDTH + 2] as V;
        hole = next;
      }
    }
    slots[hole * WIDTH] = 0;
    slots[hole * WIDTH + 1] = 0;
    slots[hole * WIDTH + 2] = 0;
    this.#size--;
    if (this.#size * 8 < this.#capacity && this.#capacity > MIN_CAPACITY) this.#resize(this.#capacity / 2);
    return true;
  }

  /** Values in slot order (unordered, like the allocator's callers expect). */
  *values(): Generator<V> {
    const slots = this.#slots;
    for (let i = 0; i < this.#capacity; i++) if (slots[i * WIDTH] !== 0) yield slots[i * WIDTH + 2] as V;
  }

  #hash(key: string): number {
    if (key === this.#lastKey) return this.#lastHash;
    const hash = hashOf(key);
    this.#lastKey = key;
    this.#lastHash = hash;
    return hash;
  }

  /** The slot holding `key`, or -1 - (the free slot where it would go). */
  #find(key: string, hash: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = slots[slot * WIDTH];
      if (stored === 0) return -1 - slot;
      if (stored === hash && slots[slot * WIDTH + 1] === key) return slot;
    }
  }

  #resize(capacity: number): void {
    const old = this.#slots;
    const oldCapacity = this.#capacity;
    this.#capacity = capacity;
    this.#mask = capacity - 1;
    this.#slots = new Array<number>(capacity * WIDTH).fill(0);
    for (let i = 0; i < oldCapacity; i++) {
      const hash = old[i * WIDTH] as number;
      if (hash === 0) continue;
      const at = (-1 - this.#find(old[i * WIDTH + 1] as string, hash)) * WIDTH;
      this.#slots[at] = hash;
      this.#slots[at + 1] = old[i * WIDTH + 1] as string;
      this.#slots[at + 2] = old[i * WIDTH + 2] as V;
    }
  }
}
