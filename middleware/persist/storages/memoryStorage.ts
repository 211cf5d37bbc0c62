import type { PersistStorage } from '../types'

/** An in-memory storage engine, with a way to look inside. */
export interface MemoryStorage extends PersistStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
  /** Every stored key. */
  keys(): string[]
  /** The underlying map (shared by every store given this storage, like one browser profile). */
  readonly data: Map<string, string>
}

/**
 * A synchronous storage that keeps everything in a `Map`: for tests, server
 * rendering and benchmarks. Two stores given the same instance behave like two
 * tabs sharing one `localStorage`.
 *
 * @example
 * ```ts
 * const storage = createMemoryStorage()
 * persist({ storage, key: 'app' })
 * ```
 */
export function createMemoryStorage(initial?: Iterable<[string, string]>): MemoryStorage {
  const data = new Map<string, string>(initial)
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      data.set(key, String(value))
    },
    removeItem: (key) => {
      data.delete(key)
    },
    keys: () => [...data.keys()],
  }
}
