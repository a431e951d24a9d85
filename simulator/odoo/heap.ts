/** A min-heap of timed events; ties keep insertion order, so a seeded run replays exactly. */
export interface TimedEvent {
  at: number;
  seq: number;
  run: (at: number) => Promise<void>;
}

export class EventHeap {
  private readonly items: TimedEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(at: number, run: (at: number) => Promise<void>): void {
    const e = { at, seq: this.seq++, run };
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  peek(): TimedEvent | undefined {
    return this.items[0];
  }

  pop(): TimedEvent | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(x: TimedEvent, y: TimedEvent): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}
