/** An entry of the recency list: newest at the head, the next to evict at the tail. */
interface Node<K, V> {
  readonly key: K;
  value: V;
  newer: Node<K, V> | undefined;
  older: Node<K, V> | undefined;
}

/**
 * A small bounded map that evicts the least recently used entry. Every operation is O(1):
 * recency is a linked list beside the Map, so the Map is only ever asked by key. Keeping
 * recency in the Map's own insertion order instead (delete and re-insert on use, evict the
 * first key) made each eviction walk past every entry deleted before it: at 10,000 entries
 * under churn, one eviction cost tens of µs, and more the longer the process ran.
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, Node<K, V>>();
  #newest: Node<K, V> | undefined;
  #oldest: Node<K, V> | undefined;
  constructor(readonly capacity: number) {}

  /** The value at `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const node = this.#map.get(key);
    if (node === undefined) return undefined;
    this.#toNewest(node);
    return node.value;
  }

  /** The value at `key`, leaving the order as it is. */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.value;
  }

  set(key: K, value: V): void {
    const known = this.#map.get(key);
    if (known !== undefined) {
      known.value = value;
      this.#toNewest(known);
      return;
    }
    const node: Node<K, V> = { key, value, newer: undefined, older: undefined };
    this.#map.set(key, node);
    this.#link(node);
    if (this.#map.size > this.capacity) {
      const oldest = this.#oldest as Node<K, V>;
      this.#map.delete(oldest.key);
      this.#unlink(oldest);
    }
  }

  delete(key: K): void {
    const node = this.#map.get(key);
    if (node === undefined) return;
    this.#map.delete(key);
    this.#unlink(node);
  }

  clear(): void {
    this.#map.clear();
    this.#newest = undefined;
    this.#oldest = undefined;
  }

  get size(): number {
    return this.#map.size;
  }

  #toNewest(node: Node<K, V>): void {
    if (node === this.#newest) return;
    this.#unlink(node);
    this.#link(node);
  }

  /** Puts a node that is in no list at the head. */
  #link(node: Node<K, V>): void {
    node.older = this.#newest;
    node.newer = undefined;
    if (this.#newest !== undefined) this.#newest.newer = node;
    else this.#oldest = node;
    this.#newest = node;
  }

  #unlink(node: Node<K, V>): void {
    if (node.newer !== undefined) node.newer.older = node.older;
    else this.#newest = node.older;
    if (node.older !== undefined) node.older.newer = node.newer;
    else this.#oldest = node.newer;
    node.newer = undefined;
    node.older = undefined;
  }
}
