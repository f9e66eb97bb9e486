/**
 * The addresses of one pool as offsets from its first address: which are held (with a payload, the
 * holders) and which to hand out next. Allocation and release are O(1) amortised whatever the pool
 * size, and an IPv6 /64 is never materialised:
 * - a cursor walks the never-used offsets in ascending order;
 * - released offsets go to the back of an insertion-ordered set and are handed out oldest first,
 *   only once the cursor has run out, so a just-released IP is the last to come back (MetalLB #778);
 * - held offsets are kept in arrays indexed by offset up to the highest offset handed out or claimed
 *   near it (so memory follows the addresses used, never the pool size), and in hash maps beyond
 *   that, so explicit claims anywhere in the range cost O(1); the cursor skips held offsets when it
 *   reaches them (each offset is skipped at most once).
 * Reserved offsets (network and broadcast of an IPv4 CIDR) are never handed out by take() but can be
 * claimed explicitly. Blocked offsets (the addresses of Nodes, which change at run time) are skipped
 * by take() while blocked; unblocking one the cursor has passed queues it like a release.
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
  /** Keep take() off an offset until unblocked (held offsets stay held); false when out of range or already blocked. */
  block(offset: Offset): boolean;
  /** Let take() hand the offset out again; false when it was not blocked. */
  unblock(offset: Offset): boolean;
  /** Held offsets and their payloads (unordered). */
  entries(): IterableIterator<[Offset, T]>;
}

/** Builds the address table of a pool of `size` addresses; take() never returns `reserved`. */
export type FreeAddressFactory = <T extends Payload>(
  size: bigint,
  reserved: readonly Offset[],
) => FreeAddressSet<T>;

/**
 * What a table may hold per address. Not a number: FreeAddresses keeps a free address's release
 * number in the same slot as a held address's payload and tells them apart by type.
 */
export type Payload = object | string | boolean;

/**
 * Dense part of a table: offsets below `slots.length` live in arrays. They grow by doubling to cover
 * the cursor or a claim near their end, never past this many offsets; a far-off claim (a requested
 * address deep in an IPv6 /64) goes to the maps instead. Arrays rather than Maps because each
 * allocation/release did five Map operations on tables of tens of thousands of entries (hashing,
 * cache misses, and periodic rehashes of megabyte-sized backing stores under churn).
 */
const DENSE_MAX = 1 << 24;
const DENSE_MIN = 64;

/**
 * The allocator's address table (see the file comment). Payloads are never `undefined` nor a number:
 * a dense slot holds the payload of a held offset, or the release number of a free one waiting in
 * the FIFO, or `undefined`.
 */
export class FreeAddresses<T extends Payload> implements FreeAddressSet<T> {
  readonly size: bigint;
  private readonly sizeNumber: number;
  private readonly reserved: readonly Offset[];
  /** Addresses take() may hand out, as a number (Infinity when beyond 2^53: never exhausted in memory). */
  private readonly autoSize: number;
  private cursor: Offset = 0;
  /**
   * Per dense offset: its payload while held, its release number while it waits in the FIFO, else
   * undefined. One array rather than a payload array and a release-number array: a release wrote
   * both, two random cache lines among tens of thousands of addresses where this is one
   * (docs/adr/0007-allocator.md).
   */
  private slots: (T | number | undefined)[] = [];
  /** Held offsets beyond the dense part. */
  private readonly sparseUsed = new Map<Offset, T>();
  /** Released offsets beyond the dense part → their release number. */
  private readonly sparseReleased = new Map<Offset, number>();
  private heldCount = 0;
  /**
   * The FIFO of released offsets: (offset, release number) pairs read from `head`; an entry is stale
   * when the offset was claimed or released again since. (A Map's own order would do, but V8 leaves
   * holes when its first entries are deleted and every new iterator walks over them.)
   */
  private queue: Offset[] = [];
  private queueSeq: number[] = [];
  private head = 0;
  private releases = 0;
  private usedReserved = 0;
  /** Offsets take() skips for now (see block), canonical; undefined until the first block. */
  private blocked: Set<Offset> | undefined;
  /** Blocked offsets that are neither held nor reserved: free, yet not available to take(). */
  private blockedFree = 0;

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
    return this.heldCount;
  }

  get available(): bigint {
    return (
      this.size -
      BigInt(this.reserved.length) -
      BigInt(this.heldCount - this.usedReserved) -
      BigInt(this.blockedFree)
    );
  }

  get exhausted(): boolean {
    return this.heldCount - this.usedReserved + this.blockedFree >= this.autoSize;
  }

  get(offset: Offset): T | undefined {
    const o = canon(offset);
    if (typeof o !== 'number' || o >= this.slots.length) return this.sparseUsed.get(o);
    const slot = this.slots[o];
    return typeof slot === 'number' ? undefined : slot;
  }

  private isReserved(offset: Offset): boolean {
    return this.reserved.length > 0 && (offset === this.reserved[0] || offset === this.reserved[1]);
  }

  private isBlocked(offset: Offset): boolean {
    return this.blocked !== undefined && this.blocked.has(offset);
  }

  private inRange(offset: Offset): boolean {
    return typeof offset === 'number'
      ? offset >= 0 && offset < this.sizeNumber
      : offset >= 0n && offset < this.size;
  }

  /** Whether `offset` (canonical, in range) is dense, growing the arrays when it is just past them. */
  private dense(offset: Offset): offset is number {
    if (typeof offset !== 'number') return false;
    const length = this.slots.length;
    if (offset < length) return true;
    if (offset >= DENSE_MAX || offset >= Math.max(2 * length, DENSE_MIN)) return false;
    const grown = Math.min(Math.max(2 * length, DENSE_MIN), DENSE_MAX, this.sizeNumber);
    for (let i = length; i < grown; i++) this.slots.push(undefined);
    // Move what the maps hold for the newly dense offsets (only far-off claims ever land there).
    for (const [o, payload] of this.sparseUsed) {
      if (typeof o === 'number' && o < grown) {
        this.slots[o] = payload;
        this.sparseUsed.delete(o);
      }
    }
    for (const [o, seq] of this.sparseReleased) {
      if (typeof o === 'number' && o < grown) {
        this.slots[o] = seq;
        this.sparseReleased.delete(o);
      }
    }
    return offset < grown;
  }

  private hold(offset: Offset, payload: T): void {
    if (this.dense(offset)) {
      this.slots[offset] = payload;
    } else {
      this.sparseUsed.set(offset, payload);
      this.sparseReleased.delete(offset);
    }
    this.heldCount++;
  }

  take(payload: T): Offset | undefined {
    while (this.inRange(this.cursor)) {
      const offset = this.cursor;
      this.cursor = next(offset);
      if (this.isReserved(offset) || this.isBlocked(offset)) continue;
      const free = this.dense(offset)
        ? this.slots[offset] === undefined
        : !this.sparseUsed.has(offset) && !this.sparseReleased.has(offset);
      if (free) {
        this.hold(offset, payload);
        return offset;
      }
    }
    while (this.head < this.queue.length) {
      const offset = this.queue[this.head] ?? 0;
      const seq = this.queueSeq[this.head];
      this.head++;
      const waiting =
        typeof offset === 'number' && offset < this.slots.length
          ? this.slots[offset]
          : this.sparseReleased.get(offset);
      if (waiting !== seq) continue;
      if (this.isBlocked(offset)) {
        // Out of the queue while blocked; unblock() queues it again.
        this.setReleased(offset, 0);
        continue;
      }
      this.compact();
      this.hold(offset, payload);
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
    if (!this.inRange(offset) || this.get(offset) !== undefined) return false;
    this.hold(offset, payload);
    if (this.isReserved(offset)) this.usedReserved++;
    else if (this.isBlocked(offset)) this.blockedFree--;
    return true;
  }

  set(given: Offset, payload: T): boolean {
    const offset = canon(given);
    if (this.get(offset) === undefined) return false;
    if (typeof offset === 'number' && offset < this.slots.length) this.slots[offset] = payload;
    else this.sparseUsed.set(offset, payload);
    return true;
  }

  free(given: Offset): boolean {
    const offset = canon(given);
    const isDense = typeof offset === 'number' && offset < this.slots.length;
    if (isDense) {
      const slot = this.slots[offset];
      if (slot === undefined || typeof slot === 'number') return false;
      this.slots[offset] = undefined;
    } else if (!this.sparseUsed.delete(offset)) return false;
    this.heldCount--;
    if (this.isReserved(offset)) this.usedReserved--;
    else {
      if (this.isBlocked(offset)) this.blockedFree++;
      this.enqueue(offset);
    }
    return true;
  }

  /** Queue a free offset for take(), after every offset released before it. */
  private enqueue(offset: Offset): void {
    const seq = ++this.releases;
    this.setReleased(offset, seq);
    this.queue.push(offset);
    this.queueSeq.push(seq);
  }

  /** Record the release number of a free offset (0: not waiting in the queue). */
  private setReleased(offset: Offset, seq: number): void {
    if (typeof offset === 'number' && offset < this.slots.length)
      this.slots[offset] = seq === 0 ? undefined : seq;
    else if (seq === 0) this.sparseReleased.delete(offset);
    else this.sparseReleased.set(offset, seq);
  }

  /** Whether a free offset waits in the queue. */
  private waiting(offset: Offset): boolean {
    return typeof offset === 'number' && offset < this.slots.length
      ? typeof this.slots[offset] === 'number'
      : this.sparseReleased.has(offset);
  }

  block(given: Offset): boolean {
    const offset = canon(given);
    if (!this.inRange(offset) || this.isBlocked(offset)) return false;
    (this.blocked ??= new Set()).add(offset);
    if (this.get(offset) === undefined && !this.isReserved(offset)) this.blockedFree++;
    return true;
  }

  unblock(given: Offset): boolean {
    const offset = canon(given);
    if (this.blocked?.delete(offset) !== true) return false;
    if (this.get(offset) !== undefined || this.isReserved(offset)) return true;
    this.blockedFree--;
    // The cursor skipped it while blocked, and the queue dropped it: hand it out after the others.
    const passed = offsetValue(offset) < offsetValue(this.cursor);
    if (passed && !this.waiting(offset)) this.enqueue(offset);
    return true;
  }

  *entries(): Generator<[Offset, T]> {
    const slots = this.slots;
    for (let o = 0; o < slots.length; o++) {
      const payload = slots[o];
      if (payload !== undefined && typeof payload !== 'number') yield [o, payload];
    }
    yield* this.sparseUsed;
  }
}
