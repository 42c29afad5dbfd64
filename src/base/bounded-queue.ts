/**
 * A first-in first-out queue that never holds more than `capacity` items: a push onto a
 * full queue drops the oldest item and counts it, so a consumer that falls behind loses
 * old items (and can say how many) instead of growing memory without end.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private droppedCount = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a queue's capacity must be a whole number of 1 or more, not ${String(capacity)}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.length >= this.capacity) {
      this.head++;
      this.droppedCount++;
    }
    this.items.push(item);
    // Compact now and then, so the array does not keep what was shifted off.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return item;
  }

  /** How many items were dropped since the last call (and resets the count). */
  takeDropped(): number {
    const n = this.droppedCount;
    this.droppedCount = 0;
    return n;
  }
}
