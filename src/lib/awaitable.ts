/**
 * A value now, or a promise of it: what a step returns when it is synchronous on the
 * embedded engine (SQLite) and asynchronous on a server (Postgres). The hottest request
 * paths take the value at once when there is one; every other caller simply awaits it.
 */
export type Awaitable<T> = T | Promise<T>;

/** `next` applied to the value: at once when it is one, once it resolves when it is a promise. */
export function andThen<T, U>(value: Awaitable<T>, next: (value: T) => Awaitable<U>): Awaitable<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
