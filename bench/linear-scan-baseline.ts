// BASELINE for bench/allocator.ts, not used by the product: the lowest-free linear scan MetalLB's
// allocator does (every allocation walks the pool from its first address, one map lookup per
// candidate, so released addresses are reused at once). It implements the same FreeAddressSet seam
// as src/ipam/free-addresses.ts, so the allocator runs unchanged on top of it and the ratio
// measures the data structure alone.
import type { FreeAddressFactory, FreeAddressSet, Offset, Payload } from '../src/ipam/index.js';

class LinearScanAddresses<T extends Payload> implements FreeAddressSet<T> {
  readonly size: bigint;
  private readonly limit: number;
  private readonly reserved: ReadonlySet<number>;
  private readonly used = new Map<number, T>();
  private readonly blocked = new Set<number>();

  constructor(size: bigint, reserved: readonly Offset[]) {
    this.size = size;
    // Offsets past 2^53 are never reached by a scan from the bottom.
    this.limit = size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size);
    this.reserved = new Set(reserved.map(Number));
  }

  get usedCount(): number {
    return this.used.size;
  }

  get available(): bigint {
    let usedReserved = 0;
    for (const r of this.reserved) if (this.used.has(r)) usedReserved++;
    let blockedFree = 0;
    for (const b of this.blocked) if (!this.used.has(b) && !this.reserved.has(b)) blockedFree++;
    return (
      this.size - BigInt(this.reserved.size) - BigInt(this.used.size - usedReserved) - BigInt(blockedFree)
    );
  }

  get exhausted(): boolean {
    return this.available === 0n;
  }

  get(offset: Offset): T | undefined {
    return this.used.get(Number(offset));
  }

  take(payload: T): Offset | undefined {
    for (let offset = 0; offset < this.limit; offset++) {
      if (!this.used.has(offset) && !this.reserved.has(offset) && !this.blocked.has(offset)) {
        this.used.set(offset, payload);
        return offset;
      }
    }
    return undefined;
  }

  claim(offset: Offset, payload: T): boolean {
    const n = Number(offset);
    if (n < 0 || n >= this.limit || this.used.has(n)) return false;
    this.used.set(n, payload);
    return true;
  }

  set(offset: Offset, payload: T): boolean {
    const n = Number(offset);
    if (!this.used.has(n)) return false;
    this.used.set(n, payload);
    return true;
  }

  free(offset: Offset): boolean {
    return this.used.delete(Number(offset));
  }

  block(offset: Offset): boolean {
    const n = Number(offset);
    if (n < 0 || n >= this.limit || this.blocked.has(n)) return false;
    this.blocked.add(n);
    return true;
  }

  unblock(offset: Offset): boolean {
    return this.blocked.delete(Number(offset));
  }

  entries(): IterableIterator<[Offset, T]> {
    return this.used.entries();
  }
}

/** Factory for Allocator's `freeAddresses` option. */
export const linearScanAddresses: FreeAddressFactory = <T extends Payload>(
  size: bigint,
  reserved: readonly Offset[],
) => new LinearScanAddresses<T>(size, reserved);
