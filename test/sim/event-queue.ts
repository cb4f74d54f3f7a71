/** Time-ordered events; ties keep insertion order so a seed always replays the same way. */
export class EventQueue<T> {
  private items: Array<{ at: number; seq: number; ev: T }> = [];
  private seq = 0;

  push(at: number, ev: T): void {
    const item = { at, seq: this.seq++, ev };
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.items[mid]!;
      if (m.at < at || (m.at === at && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
  }

  pop(): { at: number; ev: T } | undefined {
    return this.items.shift();
  }

  get size(): number {
    return this.items.length;
  }
}
