import { createAction } from '@reduxjs/toolkit'
import { PATCHWIRE_PREFIX } from './actions'

// The creators are marked pure: a bundler keeps any call to an imported function
// unless told it has no side effects, and would keep every creator an app never uses.

/** The payload of `setPresence`. */
export interface SetPresencePayload {
  /** Any JSON value the room's presence schema accepts; `null` clears this client's entry. */
  value: unknown
  /** The sync room it is for. @defaultValue every room a sync middleware of the store is in */
  room?: string
}

/**
 * Sets this client's presence in a synced room (who is here, a cursor,
 * "typing…"): ephemeral, shown to the others in the room through the relay,
 * never part of the synced state, the room's log or persisted state. The
 * sync middleware sends it, re-sends it as a heartbeat while it is set, and
 * again after every reconnect. `null` clears it.
 *
 * @example
 * ```ts
 * store.dispatch(setPresence({ name: 'Ada', typing: true }, { room: 'chat:lobby' }))
 * ```
 */
export const setPresence = /* @__PURE__ */ createAction(
  `${PATCHWIRE_PREFIX}/setPresence`,
  (value: unknown, options: { room?: string } = {}) => ({
    payload: (options.room === undefined
      ? { value }
      : { value, room: options.room }) as SetPresencePayload,
  }),
)

export type SetPresenceAction = ReturnType<typeof setPresence>
