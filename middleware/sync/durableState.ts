import type { PendingChange } from './confirmedModel'

/** What sync keeps across reloads for one room (the durable part `sync:<room>`). */
export interface SyncDurableState {
  v: 1
  clientId: string
  /** Counter of the last change id made. */
  counter: number
  /** Last hybrid logical clock timestamp made or seen, so a reload stays monotonic. */
  hlc: string
  lastSeq: number
  /** Relay-confirmed state of the room (`B`). */
  base: Record<string, unknown>
  /**
   * Unacknowledged local changes (`P`), re-pushed on the next join. Empty when
   * persist keeps each tab's outbox in an entry of its own (`outbox/`): the
   * shared part is last-writer-wins between tabs. `clientId` and `counter` then
   * only name the tab that wrote it last.
   */
  pending: PendingChange[]
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

/** True for a well-formed stored pending change. */
export function isPendingChange(v: unknown): v is PendingChange {
  return (
    isObject(v) &&
    typeof v.id === 'string' &&
    typeof v.ts === 'string' &&
    Array.isArray(v.ops) &&
    (v.seed === undefined || v.seed === true)
  )
}

/**
 * Checks a stored durable state; anything else (another version, a damaged
 * entry) is `undefined` and sync starts fresh rather than from bad data.
 */
export function parseDurableState(value: unknown): SyncDurableState | undefined {
  if (!isObject(value) || value.v !== 1) return undefined
  const { clientId, counter, hlc, lastSeq, base, pending } = value
  if (
    typeof clientId !== 'string' ||
    typeof hlc !== 'string' ||
    typeof counter !== 'number' ||
    !Number.isSafeInteger(counter) ||
    typeof lastSeq !== 'number' ||
    !Number.isSafeInteger(lastSeq) ||
    !isObject(base) ||
    !Array.isArray(pending) ||
    !pending.every(isPendingChange)
  ) {
    return undefined
  }
  return { v: 1, clientId, counter, hlc, lastSeq, base, pending }
}
