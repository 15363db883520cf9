// A byte-bounded LRU for object contents (delta bases are read again and again).
export class ByteLru<K, V extends { length: number }> {
  private readonly map = new Map<K, V>();
  private bytes = 0;
  private oldest: MapIterator<[K, V]> = this.map.entries();

  constructor(private readonly maxBytes: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    if (value.length > this.maxBytes / 4) return; // one huge object must not flush everything
    const old = this.map.get(key);
    if (old !== undefined) {
      this.bytes -= old.length;
      this.map.delete(key);
    }
    this.map.set(key, value);
    this.bytes += value.length;
    while (this.bytes > this.maxBytes) {
      // A fresh iterator would walk every entry deleted since the map last rehashed (each
      // get() leaves one): quadratic, and a large share of a big push's ingest time. One
      // long-lived iterator walks each deleted slot once. It never skips a live entry: entries
      // are only ever appended, and everything behind it was evicted through it.
      let next = this.oldest.next();
      if (next.done) {
        this.oldest = this.map.entries();
        next = this.oldest.next();
      }
      const [k, v] = next.value!;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }

  clear(): void {
    this.map.clear();
    this.oldest = this.map.entries();
    this.bytes = 0;
  }
}
