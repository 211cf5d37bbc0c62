import type { PendingChange } from '../confirmedModel'
import type { SyncDurableState } from '../durableState'
import {
  createIdentityClaim,
  IDENTITY_CLAIM_TIMEOUT_MS,
  type IdentityClaim,
} from '../identityClaim'
import type { TabLocks } from '../types'
import type { OutboxStore } from './outboxStore'
import type { TabOutbox } from './tabOutbox'

/** What a tab resumes from its identity: the counter, clock and pending changes. */
export interface ResumedOutbox {
  counter: number
  hlc: string
  pending: PendingChange[]
}

/** The identity a tab writes under, and the outbox it takes over with it. */
export interface IdentityChoice {
  clientId: string
  /** The outbox stored for `clientId`; undefined for a new identity. */
  outbox: ResumedOutbox | undefined
  /** The claim this tab holds on `clientId` until it stops. */
  claim: IdentityClaim
  /**
   * Pending changes of gone identities this tab cannot write under (saved
   * before `shareConnection` was turned on): made again as changes of this tab.
   */
  reissue: PendingChange[]
  /** Forgets those identities; call once this tab's outbox holds their changes. */
  retire(): Promise<void>
  /** Lets every claim go without taking anything over (the tab stopped before it started). */
  abandon(): void
}

/** What `chooseIdentity` needs. */
export interface IdentityDeps {
  room: string
  locks: TabLocks | undefined
  /** The shared durable part as persist restored it. */
  restored: SyncDurableState | undefined
  /** Per-tab outboxes in persist's storage; undefined without persist. */
  outboxes: OutboxStore | undefined
  /** The `clientId` option: this identity, whatever is stored. */
  fixedId: string | undefined
  /** Whether this tab can write under a stored id (a shared connection needs tab ids). */
  usable(clientId: string): boolean
  newId(): string
}

/**
 * Picks the identity a starting tab writes under. Every stored identity whose
 * tab lock nobody holds belongs to a tab that is gone (Web Locks release a
 * closed or crashed tab's locks): the tab takes over one of them, the one
 * with the most pending changes (the one it restored on a tie), and pushes
 * that outbox under its original ids (the relay applies each id once, so a
 * change pushed before, unacknowledged, is not applied twice). Gone
 * identities holding nothing are removed; other gone outboxes with pending
 * changes stay stored for the next tab that starts. A live tab's identity and
 * outbox are never touched. Without a free one the tab takes a new id.
 * Without tab locks (Node, or a platform without Web Locks and no `tabLocks`
 * option) only the restored identity is resumed, as one tab would.
 */
export async function chooseIdentity(deps: IdentityDeps): Promise<IdentityChoice> {
  const { restored, outboxes, room, locks } = deps
  // The shared part carried the pending changes before outboxes had entries of their own.
  const legacy = (id: string): ResumedOutbox | undefined =>
    restored && restored.clientId === id
      ? { counter: restored.counter, hlc: restored.hlc, pending: restored.pending }
      : undefined

  const none = { reissue: [], retire: () => Promise.resolve(), abandon: () => {} }
  if (deps.fixedId !== undefined) {
    // A fixed id is the app's promise that one process writes under it: nothing to claim.
    const claim = createIdentityClaim(room, undefined)
    const outbox =
      (await outboxes?.read(deps.fixedId).catch(() => undefined)) ?? legacy(deps.fixedId)
    return { clientId: deps.fixedId, outbox, claim, ...none }
  }

  // Without tab locks no tab can tell a gone tab from a live one: only the
  // restored identity is resumed, and no other tab's outbox is looked at.
  const listed = (locks && (await outboxes?.listed())) || []
  const all = [...new Set([...(restored ? [restored.clientId] : []), ...listed])]
  const claims = all
    .filter(deps.usable)
    .map((id) => ({ id, claim: createIdentityClaim(room, locks) }))
  // Both wait for held claims to time out: at once, not one after the other.
  const [foreign, free] = await Promise.all([
    takeForeign(
      all.filter((id) => !deps.usable(id)),
      deps,
      legacy,
      listed,
    ),
    Promise.all(claims.map((c) => c.claim.hold(c.id, IDENTITY_CLAIM_TIMEOUT_MS))),
  ])
  const gone = claims.filter((_, i) => free[i])
  const stored = await Promise.all(gone.map((c) => readOutbox(outboxes, c.id)))
  // An outbox the storage could not read is neither taken over nor removed.
  for (const [i, c] of gone.entries()) if (!stored[i]?.ok) c.claim.release()
  const candidates = gone.flatMap((c, i) => {
    const read = stored[i]
    return read?.ok ? [{ ...c, stored: read.outbox, outbox: read.outbox ?? legacy(c.id) }] : []
  })
  const score = (c: (typeof candidates)[number]) =>
    (c.id === restored?.clientId ? 0.5 : 0) + (c.outbox?.pending.length ?? -1)
  const pick = candidates
    .filter((c) => c.outbox !== undefined)
    .sort((a, b) => score(b) - score(a))[0]
  for (const c of candidates) {
    // Pending changes only the shared part held: give them an entry of their own before it is rewritten.
    if (c === pick || c.stored || !c.outbox?.pending.length || !outboxes) continue
    outboxes.save({ v: 1, clientId: c.id, ...c.outbox })
    await outboxes.saved()
    await outboxes.list(c.id)
  }
  await outboxes?.discard(
    candidates
      .filter((c) => c !== pick && (c.outbox?.pending.length ?? 0) === 0 && listed.includes(c.id))
      .map((c) => c.id),
  )
  for (const c of candidates) if (c !== pick) c.claim.release()
  if (pick) {
    await outboxes?.list(pick.id)
    const claim = pick.claim
    const abandon = () => {
      claim.release()
      foreign.abandon()
    }
    return { clientId: pick.id, outbox: pick.outbox, claim, ...foreign, abandon }
  }
  const clientId = deps.newId()
  const claim = createIdentityClaim(room, locks)
  // Listed only once held, so no starting tab can find it free and take it. A new
  // random id collides with no live tab: the start does not wait for the grant.
  void claim.hold(clientId).then(() => outboxes?.list(clientId))
  const abandon = () => {
    claim.release()
    foreign.abandon()
  }
  return { clientId, outbox: undefined, claim, ...foreign, abandon }
}

/**
 * The gone identities this tab cannot write under: their pending changes are
 * taken to be made again, and their claims held until `retire` removed them,
 * so no other tab takes the same changes.
 */
async function takeForeign(
  ids: readonly string[],
  deps: IdentityDeps,
  legacy: (id: string) => ResumedOutbox | undefined,
  listed: readonly string[],
): Promise<Pick<IdentityChoice, 'reissue' | 'retire' | 'abandon'>> {
  const claims = ids.map((id) => ({ id, claim: createIdentityClaim(deps.room, deps.locks) }))
  const free = await Promise.all(claims.map((c) => c.claim.hold(c.id, IDENTITY_CLAIM_TIMEOUT_MS)))
  const reissue: PendingChange[] = []
  const gone: typeof claims = []
  for (const [i, c] of claims.entries()) {
    if (!free[i]) continue
    const read = await readOutbox(deps.outboxes, c.id)
    if (!read.ok) {
      c.claim.release()
      continue
    }
    gone.push(c)
    for (const p of (read.outbox ?? legacy(c.id))?.pending ?? []) if (!p.seed) reissue.push(p)
  }
  return {
    reissue,
    async retire() {
      await deps.outboxes?.discard(gone.map((c) => c.id).filter((id) => listed.includes(id)))
      for (const c of gone) c.claim.release()
    },
    abandon() {
      for (const c of gone) c.claim.release()
    },
  }
}

/** An outbox read that tells a storage failure from an absent entry. */
async function readOutbox(
  outboxes: OutboxStore | undefined,
  clientId: string,
): Promise<{ ok: true; outbox: TabOutbox | undefined } | { ok: false }> {
  try {
    return { ok: true, outbox: await outboxes?.read(clientId) }
  } catch {
    return { ok: false }
  }
}
