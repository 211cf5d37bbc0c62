import { useSelector, useStore } from 'react-redux'
import { PatchwireError } from '../errors'
import { selectStatus } from './statusHooks'
import { type WaitableStore, waitForStore } from './suspenseWaits'

/** What a gate says now: open, still waiting, or failed with the error to throw. */
type Gate = 'open' | 'waiting' | PatchwireError

function hydrationGate(state: unknown): Gate {
  const keys = Object.values(selectStatus(state)?.persist ?? {})
  // A key whose load failed keeps `loadError` until a retry starts
  // (`hydrating`) or a load or `unlock()` succeeds.
  const failed = keys.find((p) => p.state === 'error' && p.loadError)?.loadError
  if (failed) return new PatchwireError(failed.code, failed.message, failed.details)
  return keys.some((p) => p.state === 'hydrating') ? 'waiting' : 'open'
}

// Once joined, a room stays open: going offline later shows the data it has
// (and the connection status) rather than the fallback again.
function roomGate(state: unknown, room: string): Gate {
  const sync = selectStatus(state)?.sync?.[room]
  if (sync?.joinedOnce) return 'open'
  if (!sync?.joinRefusal) return 'waiting'
  const { reason, message } = sync.joinRefusal
  return new PatchwireError(
    'join_refused',
    `The relay refused to join room "${room}" (${reason}): ${message}`,
    { room, reason },
  )
}

// What components subscribe to: a string, so a status update that leaves the gate as it was re-renders nothing.
const gateState = (gate: Gate): string => (typeof gate === 'string' ? gate : gate.code)

function suspend(store: WaitableStore, key: string, gate: () => Gate): void {
  const now = gate()
  if (now === 'open') return
  if (now !== 'waiting') throw now
  throw waitForStore(store, key, () => gate() === 'waiting')
}

/**
 * Suspends the component until every persisted key has loaded, for a
 * `<Suspense>` boundary to show its fallback meanwhile. When a load failed,
 * throws that load's `PatchwireError` (`storage`, `load_timeout`, `migrate`:
 * the error `onLoad` got) to the nearest error boundary; calling the
 * persist instance's `retryLoad()` and resetting the boundary waits for the new load.
 * Without persist in the store it never suspends.
 *
 * The promise it throws is shared per store while the load runs, so
 * re-rendering does not start a new wait (React 18 and 19 alike, no `use`).
 *
 * @example
 * ```tsx
 * function Cart() {
 *   useHydratedSuspense()
 *   return <CartLines />
 * }
 * <ErrorBoundary fallback={<p>Saved data could not be read.</p>}>
 *   <Suspense fallback={<p>Loading…</p>}><Cart /></Suspense>
 * </ErrorBoundary>
 * ```
 */
export function useHydratedSuspense(): void {
  const store = useStore()
  // Subscribes, so a mounted component follows a later retry.
  useSelector((s: unknown) => gateState(hydrationGate(s)))
  suspend(store, 'hydrated', () => hydrationGate(store.getState()))
}

/**
 * Suspends the component until the store's `sync` for `room` has joined it
 * for the first time (after persist loaded, since sync waits for it), for a
 * `<Suspense>` boundary to show its fallback meanwhile. Once joined it never
 * suspends again, offline included. When the relay refuses the join (`skew`
 * for another schema major, `forbidden`, …), throws a
 * `PatchwireError('join_refused')` whose `details.reason` is the refusal
 * reason, to the nearest error boundary. A relay that cannot be reached keeps
 * the fallback up while sync retries, and so does a `room` that no `sync` of
 * this store joins.
 *
 * The promise it throws is shared per store and room while the join is
 * pending, so re-rendering does not start a new wait (React 18 and 19 alike,
 * no `use`).
 *
 * @example
 * ```tsx
 * function Messages() {
 *   useRoomSuspense('chat:lobby')
 *   return <MessageList />
 * }
 * <ErrorBoundary fallback={<p>This room is not open to you.</p>}>
 *   <Suspense fallback={<p>Joining…</p>}><Messages /></Suspense>
 * </ErrorBoundary>
 * ```
 */
export function useRoomSuspense(room: string): void {
  const store = useStore()
  useSelector((s: unknown) => gateState(roomGate(s, room)))
  suspend(store, `room:${room}`, () => roomGate(store.getState(), room))
}
