import type { PresencePeer, PresenceStatus } from '../../../slices/presenceStatus'
import { isPresenceEvent, isPresenceSetAck } from '../../../src/presenceMessages'
import type { PresenceEntry, PresenceEvent } from '../../../src/protocol'
import type { RelaySocket } from '../types'

/** What a presence session needs from the sync middleware that owns it. */
export interface PresenceHost {
  room: string
  now: () => number
  /** Dispatches the room's presence to the status slice. */
  publish(status: PresenceStatus): void
}

/** This client's presence in one room, and the others' as the relay reports them. */
export interface PresenceSession {
  /** Sets (`null`: clears) this client's value; sent once joined, then kept alive. */
  set(value: unknown): void
  /** The room was (re)joined on the socket: the relay forgot this connection's entry, so send it. */
  joined(): void
  stop(): void
}

// Until the relay says otherwise (in its first answer).
const DEFAULT_TTL_MS = 30_000
const DEFAULT_PER_SECOND = 10
// Receivers' ids of entries that left: a snapshot computed before the leave must not bring them back.
const MAX_GONE = 1000

interface Seen {
  entry: PresenceEntry
  expiresAt: number
}

/**
 * Presence over a relay socket: sends this client's value (one set in
 * flight, the latest value wins, spaced by the relay's rate), re-sends it
 * every third of the relay's TTL as a heartbeat and after every re-join, and
 * keeps the room's map from the relay's `presence` events. Entries not
 * refreshed within the TTL are dropped: their relay node went away without
 * saying `leave`.
 *
 * @example
 * ```ts
 * const presence = createPresenceSession(socket, { room, now: Date.now, publish })
 * presence.set({ typing: true })
 * ```
 */
export function createPresenceSession(socket: RelaySocket, host: PresenceHost): PresenceSession {
  const { room, now } = host
  const seen = new Map<string, Seen>()
  const gone = new Set<string>()
  let value: unknown = null
  /** The value the relay last accepted (what a refused value falls back to). */
  let accepted: unknown = null
  let selfId: string | null = null
  let lastError: string | null = null
  let ttlMs = DEFAULT_TTL_MS
  let perSecond = DEFAULT_PER_SECOND
  let joined = false
  let inFlight = false
  /** The relay has not been told `value` yet. */
  let dirty = false
  let lastSentAt = Number.NEGATIVE_INFINITY
  let sendTimer: ReturnType<typeof setTimeout> | undefined
  let beatTimer: ReturnType<typeof setTimeout> | undefined
  let expiryTimer: ReturnType<typeof setInterval> | undefined
  let publishQueued = false
  let stopped = false

  const publish = () => {
    if (publishQueued || stopped) return
    publishQueued = true
    // One status action per burst of presence events.
    queueMicrotask(() => {
      publishQueued = false
      if (stopped) return
      const entries: Record<string, PresencePeer> = {}
      for (const [id, { entry }] of seen) {
        const peer: PresencePeer = {
          clientId: entry.clientId,
          value: entry.value,
          self: id === selfId,
        }
        if (entry.user !== undefined) peer.user = entry.user
        entries[id] = peer
      }
      host.publish({ entries, value, lastError })
    })
  }

  const forget = (id: string) => {
    seen.delete(id)
    gone.add(id)
    if (gone.size > MAX_GONE) gone.delete(gone.values().next().value as string)
  }

  const armExpiry = () => {
    if (expiryTimer !== undefined || seen.size === 0) return
    expiryTimer = setInterval(
      () => {
        const t = now()
        let changed = false
        for (const [id, s] of seen) {
          if (s.expiresAt > t) continue
          forget(id)
          changed = true
        }
        if (seen.size === 0) {
          clearInterval(expiryTimer)
          expiryTimer = undefined
        }
        if (changed) publish()
      },
      Math.max(50, Math.floor(ttlMs / 4)),
    )
  }

  /** Takes an entry; true when what the store shows changes (a heartbeat only extends its life). */
  const offer = (entry: PresenceEntry, entryTtl: number): boolean => {
    if (gone.has(entry.id)) return false
    const had = seen.get(entry.id)
    if (had && had.entry.rev > entry.rev) return false
    seen.set(entry.id, { entry, expiresAt: now() + entryTtl })
    return !had || JSON.stringify(had.entry.value) !== JSON.stringify(entry.value)
  }

  const onPresence = (event: unknown) => {
    if (!isPresenceEvent(event) || event.room !== room) return
    const e = event as PresenceEvent
    let changed: boolean
    if (e.type === 'leave') {
      changed = seen.has(e.id)
      forget(e.id)
    } else if (e.type === 'snapshot') {
      changed = e.entries.map((entry) => offer(entry, e.ttlMs)).some(Boolean)
    } else changed = offer(e.entry, e.ttlMs)
    armExpiry()
    if (changed) publish()
  }

  const clearTimer = (t: ReturnType<typeof setTimeout> | undefined) => {
    if (t !== undefined) clearTimeout(t)
  }

  const heartbeat = () => {
    clearTimer(beatTimer)
    beatTimer = undefined
    if (accepted === null || stopped) return
    beatTimer = setTimeout(
      () => {
        beatTimer = undefined
        dirty = true
        send()
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    )
  }

  const send = () => {
    clearTimer(sendTimer)
    sendTimer = undefined
    if (!joined || inFlight || !dirty || stopped) return
    // The relay refuses more than `perSecond` sets per second: space them.
    const wait = lastSentAt + 1000 / perSecond - now()
    if (wait > 0) {
      sendTimer = setTimeout(send, wait)
      return
    }
    dirty = false
    inFlight = true
    lastSentAt = now()
    const sending = value
    socket.emit('presence:set', { room, value: sending }, (ack) => {
      inFlight = false
      if (stopped) return
      if (!isPresenceSetAck(ack)) {
        lastError = 'The relay answered a presence set with a malformed acknowledgement.'
      } else if (ack.ok) {
        selfId = ack.id
        ttlMs = ack.ttlMs
        perSecond = Math.max(1, ack.perSecond)
        accepted = sending
        if (lastError !== null) lastError = null
        if (sending === null) seen.delete(ack.id)
      } else if (ack.reason === 'rate_limited' || ack.reason === 'unavailable') {
        // "Not now": the latest value goes again after the spacing.
        dirty = true
      } else {
        lastError = `presence refused: ${ack.reason}: ${ack.message}`
        // The others keep seeing the last accepted value; so does this client.
        if (value === sending) value = accepted
      }
      publish()
      heartbeat()
      send()
    })
  }

  const onDisconnect = () => {
    joined = false
    inFlight = false
    selfId = null
    // What the relay told over this connection is void; the next join brings a snapshot.
    seen.clear()
    clearTimer(beatTimer)
    beatTimer = undefined
    publish()
  }

  socket.on('presence', onPresence)
  socket.on('disconnect', onDisconnect)

  return {
    set(next) {
      value = next
      dirty = true
      publish()
      send()
    },
    joined() {
      joined = true
      inFlight = false
      // A new connection has no entry: say it again (also the first send of a value set before joining).
      dirty = value !== null
      send()
    },
    stop() {
      stopped = true
      clearTimer(sendTimer)
      clearTimer(beatTimer)
      if (expiryTimer !== undefined) clearInterval(expiryTimer)
      socket.off('presence', onPresence)
      socket.off('disconnect', onDisconnect)
    },
  }
}
