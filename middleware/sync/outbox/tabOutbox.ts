import type { PendingChange } from '../confirmedModel'
import { isPendingChange } from '../durableState'

/**
 * One tab's outbox for one room: the client id it writes under, the counter of
 * its last change id, its clock, and its unacknowledged changes. Each tab
 * stores its own, so no tab's save can overwrite another tab's offline work.
 */
export interface TabOutbox {
  v: 1
  clientId: string
  /** Counter of the last change id made under `clientId`. */
  counter: number
  /** Last hybrid logical clock timestamp made or seen. */
  hlc: string
  pending: PendingChange[]
}

/** `<prefix>:sync:<room>:outbox:<clientId>`: one tab's outbox. */
export function outboxKey(prefix: string, room: string, clientId: string): string {
  return `${prefix}:sync:${room}:outbox:${clientId}`
}

/** `<prefix>:sync:<room>:outboxes`: the client ids whose outboxes are stored. */
export function outboxIndexKey(prefix: string, room: string): string {
  return `${prefix}:sync:${room}:outboxes`
}

/** Parses a stored outbox; anything damaged or of another version is `undefined`. */
export function parseTabOutbox(text: unknown): TabOutbox | undefined {
  let value: unknown
  try {
    value = typeof text === 'string' ? JSON.parse(text) : undefined
  } catch {
    return undefined
  }
  const o = value as Partial<TabOutbox> | undefined
  if (
    o === null ||
    typeof o !== 'object' ||
    o.v !== 1 ||
    typeof o.clientId !== 'string' ||
    typeof o.hlc !== 'string' ||
    !Number.isSafeInteger(o.counter) ||
    !Array.isArray(o.pending) ||
    !o.pending.every(isPendingChange)
  ) {
    return undefined
  }
  return {
    v: 1,
    clientId: o.clientId,
    counter: o.counter as number,
    hlc: o.hlc,
    pending: o.pending,
  }
}

/** Parses the stored index of outboxes; a damaged one lists nothing. */
export function parseOutboxIndex(text: unknown): string[] {
  try {
    const value: unknown = typeof text === 'string' ? JSON.parse(text) : []
    return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : []
  } catch {
    return []
  }
}
