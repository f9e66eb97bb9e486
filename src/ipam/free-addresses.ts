/**
 * The addresses of one pool as offsets from its first address: which are held (with a payload, the
 * holders) and which to hand out next. Allocation and release are O(1) amortised whatever the pool
 * size, and an IPv6 /64 is never materialised:
 * - a cursor walks the never-used offsets in ascending order;
 * - released offsets go to the back of an insertion-ordered set and are handed out oldest first,
 *   only once the cursor has run out, so a just-released IP is the last to come back (MetalLB #778);
 * - held offsets are a hash map, so explicit claims anywhere in the range cost O(1); the cursor
 *   skips them when it reaches them (each offset is skipped at most once).
 * Reserved offsets (network and broadcast of an IPv4 CIDR) are never handed out by take() but can be
 * claimed explicitly.
 */

/**
 * An offset into a pool: a number when it is at most 2^53-1 (every pool but huge IPv6 ones, and even
 * there every offset the cursor reaches in practice), a bigint above. Always in this canonical form,
 * so it can key a Map: number keys hash and compare without touching the heap, bigint keys do not.
 */
export type Offset = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The canonical offset for a bigint value. */
export function toOffset(value: bigint): Offset {
  return value <= MAX_SAFE ? Number(value) : value;
}

/** The bigint value of an offset. */
export function offsetValue(offset: Offset): bigint {
  return typeof offset === 'number' ? BigInt(offset) : offset;
}

/** Canonical form of an offset given either way. */
const canon = (offset: Offset): Offset => (typeof offset === 'bigint' ? toOffset(offset) : offset);

const next = (offset: Offset): Offset =>
  typeof offset === 'number' && offset < Number.MAX_SAFE_INTEGER ? offset + 1 : offsetValue(offset) + 1n;

/** What the allocator needs from a pool's address table (a seam for the benchmark's baseline). */
export interface FreeAddressSet<T> {
  /** Number of addresses in the pool. */
  readonly size: bigint;
  /** Offsets held. */
  readonly usedCount: number;
  /** Offsets take() can still hand out. */
  readonly available: bigint;
  /** True when take() has nothing left (cheaper than `available === 0n`). */
  readonly exhausted: boolean;
  /** The payload of a held offset. */
  get(offset: Offset): T | undefined;
  /** Hold the next offset for automatic allocation; undefined when none is left. */
  take(payload: T): Offset | undefined;
  /** Hold a specific offset; false when out of range or already held. */
  claim(offset: Offset, payload: T): boolean;
  /** Replace the payload of a held offset (the offset stays held); false when it is not held. */
  set(offset: Offset, payload: T): boolean;
  /** Give an offset back; false when it was not held. */
  free(offset: Offset): boolean;
  /** Held offsets and their payloads (unordered). */
  entries(): IterableIterator<[Offset, T]>;
}

/** Builds the address table of a pool of `size` addresses; take() never returns `reserved`. */
export type FreeAddressFactory = <T>(size: bigint, reserved: readonly Offset[]) => FreeAddressSet<T>;

/** The allocator's address table (see the file comment). */
export class FreeAddresses<T> implements FreeAddressSet<T> {
  readonly size: bigint;
  private readonly sizeNumber: number;
  private readonly reserved: readonly Offset[];
  /** Addresses take() may hand out, as a number (Infinity when beyond 2^53: never exhausted in memory). */
  private readonly autoSize: number;
  private cursor: Offset = 0;
  private readonly used = new Map<Offset, T>();
  /**
   * Released offsets not yet handed out again → their release number. The FIFO is a queue of
   * (offset, number) read from `head`; an entry is stale when the offset was claimed or released
   * again since. (A Map's own order would do, but V8 leaves holes when its first entries are deleted
   * and every new iterator walks over them.)
   */
  private readonly released = new Map<Offset, number>();
  private queue: Offset[] = [];
  private queueSeq: number[] = [];
  private head = 0;
  private releases = 0;
  private usedReserved = 0;

  constructor(size: bigint, reserved: readonly Offset[] = []) {
    if (size <= 0n) throw new RangeError(`pool size must be positive, got ${size.toString()}`);
    this.size = size;
    this.sizeNumber = size <= MAX_SAFE ? Number(size) : Infinity;
    this.reserved = [...new Set(reserved.map((o) => toOffset(offsetValue(o))))].filter(
      (o) => offsetValue(o) >= 0n && offsetValue(o) < size,
    );
    this.autoSize = this.sizeNumber - this.reserved.length;
  }

  get usedCount(): number {
    return this.used.size;
  }

  get available(): bigint {
    return this.size - BigInt(this.reserved.length) - BigInt(this.used.size - this.usedReserved);
  }

  get exhausted(): boolean {
    return this.used.size - this.usedReserved >= this.autoSize;
  }

  get(offset: Offset): T | undefined {
    return this.used.get(canon(offset));
  }

  private isReserved(offset: Offset): boolean {
    return this.reserved.length > 0 && (offset === this.reserved[0] || offset === this.reserved[1]);
  }

  private inRange(offset: Offset): boolean {
    return typeof offset === 'number'
      ? offset >= 0 && offset < this.sizeNumber
      : offset >= 0n && offset < this.size;
  }

  take(payload: T): Offset | undefined {
    while (this.inRange(this.cursor)) {
      const offset = this.cursor;
      this.cursor = next(offset);
      if (!this.used.has(offset) && !this.released.has(offset) && !this.isReserved(offset)) {
        this.used.set(offset, payload);
        return offset;
      }
    }
    while (this.head < this.queue.length) {
      const offset = this.queue[this.head] ?? 0;
      const seq = this.queueSeq[this.head];
      this.head++;
      if (this.released.get(offset) !== seq) continue;
      this.released.delete(offset);
      this.compact();
      this.used.set(offset, payload);
      return offset;
    }
    return undefined;
  }

  /** Drop consumed queue entries once they are the larger part of the queue. */
  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.queue.length) return;
    this.queue = this.queue.slice(this.head);
    this.queueSeq = this.queueSeq.slice(this.head);
    this.head = 0;
  }

  claim(given: Offset, payload: T): boolean {
    const offset = canon(given);
    if (!this.inRange(offset) || this.used.has(offset)) return false;
    this.used.set(offset, payload);
    this.released.delete(offset);
    if (this.isReserved(offset)) this.usedReserved++;
    return true;
  }

  set(given: Offset, payload: T): boolean {
    const offset = canon(given);
    if (!this.used.has(offset)) return false;
    this.used.set(offset, payload);
    return true;
  }

  free(given: Offset): boolean {
    const offset = canon(given);
    if (!this.used.delete(offset)) return false;
    if (this.isReserved(offset)) this.usedReserved--;
    else {
      const seq = ++this.releases;
      this.released.set(offset, seq);
      this.queue.push(offset);
      this.queueSeq.push(seq);
    }
    return true;
  }

  entries(): IterableIterator<[Offset, T]> {
    return this.used.entries();
  }
}
