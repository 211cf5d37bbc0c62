import { ActionCreators, instrument } from '@redux-devtools/instrument'
import { configureStore, type UnknownAction } from '@reduxjs/toolkit'
import { io } from 'socket.io-client'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { type PersistInstance, persist } from '../../middleware/persist/persist'
import { createMemoryStorage } from '../../middleware/persist/storages/memoryStorage'
import type { PersistStorage } from '../../middleware/persist/types'
import { sync } from '../../middleware/sync/sync'
import type { SyncInstance } from '../../middleware/sync/types'
import { patchwireReducer } from '../../slices/patchwireSlice'
import type { PatchRejectedPayload } from '../../src/actions'
import { parseHlc } from '../../src/hlc'
import type { PushAck } from '../../src/protocol'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'
import { createLocalLocks } from '../guarantees/localLocks'
import { chaosSocket } from './chaosSocket'
import type { ClientKind } from './convergenceModel'
import { type ClientSocket, draft, settings, todos } from './helpers'

/**
 * The honest clients of the convergence property. A client is a slot (one
 * person's app) that lives through incarnations: a kiosk or a DevTools
 * session restarted as a fresh store under its fixed client id, a persisted
 * app reloaded from its storage, a browser whose leader tab is closed and
 * another opened. Each incarnation records what its socket heard, so the
 * property can check that every refusal reached the writer.
 */

const reducer = withPatchwire({
  todos: todos.reducer,
  settings: settings.reducer,
  draft: draft.reducer,
  [PATCHWIRE_KEY]: patchwireReducer,
})
export type AppState = ReturnType<typeof reducer>

interface LiftedState {
  stagedActionIds: number[]
  actionsById: Record<number, { action: UnknownAction }>
  computedStates: { state: AppState }[]
}

/** The part of a store the property drives. */
export interface ClientStore {
  dispatch(action: UnknownAction): unknown
  getState(): AppState
  /** Present under DevTools. */
  liftedStore?: { dispatch(action: unknown): unknown; getState(): LiftedState }
}

/** What every client of a case shares. */
export interface ClientContext {
  room: string
  caseNo: number
  random: () => number
  timers: Set<unknown>
  url(i: number): string
  auth(principal: string): Record<string, unknown>
}

/** One run of the app: a store, until it is closed. */
export interface Incarnation {
  name: string
  store: ClientStore
  rejected: PatchRejectedPayload[]
  /** Items this incarnation appended. */
  items: string[]
  /** Change id → seq of every change the relay accepted, as this incarnation's socket heard it. */
  acked: Map<string, number>
  /** Change id → reason of every change the relay refused, as this incarnation's socket heard it. */
  refused: Map<string, string>
  /**
   * Ids of the room seeds it pushed: its start state, stamped wall 0 so any
   * real write wins. A seed is no write of the user's: a refusal of one is
   * reported only when its values were lost (see the seeds tests).
   */
  seeds: Set<string>
  /** The socket it owns (not for tabs, whose leader opens the shared one). */
  socket?: ClientSocket
  /** DevTools actions toggled off. */
  toggled: Set<number>
  leader: boolean
  closed: boolean
  /** Its pending count when it was closed. */
  leftPending: number
  /** The live state, past whatever DevTools shows. */
  live(): AppState
  close(): Promise<void>
}

/** One person's app through its restarts. */
export interface ClientSlot {
  index: number
  kind: ClientKind
  principal: string
  /** The client id of kinds that fix one. */
  fixedId?: string
  incarnations: Incarnation[]
  open(): Incarnation[]
  /** The incarnation the next command acts on. */
  writer(): Incarnation | undefined
  /** A fresh store (reloaded from storage when persisted); for tabs, the leader closes and a tab opens. */
  restart(): Promise<void>
  stop(): Promise<void>
}

type DefaultMiddleware = Parameters<
  NonNullable<
    Extract<
      Parameters<typeof configureStore<AppState>>[0]['middleware'],
      (...args: never) => unknown
    >
  >
>[0]

function buildStore(
  mw: SyncInstance,
  rejected: PatchRejectedPayload[],
  saver: PersistInstance | undefined,
  devtools: boolean,
): ClientStore {
  const reporter = patchwireMiddleware({ onPatchRejected: (r) => rejected.push(r) })
  // Persist goes first, as in the app: it sees changes before sync stamps them.
  const middleware = (gDM: DefaultMiddleware) =>
    saver
      ? gDM().prepend(saver.middleware).concat(reporter, mw.middleware)
      : gDM().concat(reporter, mw.middleware)
  if (devtools) {
    return configureStore({
      reducer,
      middleware: middleware as never,
      enhancers: (gDE) => gDE().concat(instrument()),
    }) as unknown as ClientStore
  }
  return configureStore({ reducer, middleware: middleware as never }) as unknown as ClientStore
}

function pendingOf(store: ClientStore, room: string): number {
  return store.getState().patchwire.sync[room]?.pending ?? 0
}

function liveOf(store: ClientStore): AppState {
  const lifted = store.liftedStore?.getState()
  return lifted ? lifted.computedStates[lifted.computedStates.length - 1]!.state : store.getState()
}

/** A socket to the relay whose deliveries are disturbed and whose push answers are recorded. */
function recordedSocket(ctx: ClientContext, slot: number, principal: string, inc: Incarnation) {
  const socket: ClientSocket = io(ctx.url(slot), {
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 10,
    reconnectionDelayMax: 50,
    auth: ctx.auth(principal),
  })
  const watched = chaosSocket(socket, ctx.random, ctx.timers)
  const emit = watched.emit.bind(watched) as unknown as (
    e: string,
    r: unknown,
    a: (x: unknown) => void,
  ) => boolean
  ;(watched as unknown as { emit: typeof emit }).emit = (e, r, a) => {
    if (e === 'push') {
      for (const change of (r as { changes: { id: string; ts: string }[] }).changes) {
        if (parseHlc(change.ts).wall === 0) inc.seeds.add(change.id)
      }
    }
    return emit(e, r, (res) => {
      if (e === 'push' && (res as PushAck).ok) {
        for (const result of (res as Extract<PushAck, { ok: true }>).results) {
          if ('seq' in result) inc.acked.set(result.id, result.seq)
          else inc.refused.set(result.id, result.reason)
        }
      }
      a(res)
    })
  }
  return { socket, watched }
}

function blankIncarnation(name: string): Incarnation {
  return {
    name,
    store: undefined as unknown as ClientStore,
    rejected: [],
    items: [],
    acked: new Map(),
    refused: new Map(),
    seeds: new Set(),
    toggled: new Set(),
    leader: false,
    closed: false,
    leftPending: 0,
    live() {
      return liveOf(this.store)
    },
    close: async () => {},
  }
}

/** Opens client `index` of a case, of kind `kind`, writing as `principal`. */
export function openSlot(ctx: ClientContext, index: number, kind: ClientKind): ClientSlot {
  const principal = index % 2 === 0 ? 'alice' : 'bob'
  const fixedId =
    kind.kind === 'fixed' || kind.kind === 'devtools' ? `c${index}x${ctx.caseNo}` : undefined
  const storage: PersistStorage | undefined =
    kind.kind === 'persisted' ? createMemoryStorage() : undefined
  const locks = kind.kind === 'tabs' ? createLocalLocks() : undefined
  const incarnations: Incarnation[] = []
  let turn = 0

  const openOne = (): Incarnation => {
    const inc = blankIncarnation(`c${index}#${incarnations.length}`)
    let mw: SyncInstance
    let saver: PersistInstance | undefined
    if (kind.kind === 'tabs') {
      mw = sync({
        room: ctx.room,
        allowKeys: ['todos', 'settings'],
        // The shared connection is per URL and room: one browser per client.
        url: `${ctx.url(index)}/?browser=${index}`,
        auth: ctx.auth(principal),
        shareConnection: true,
        tabLocks: locks!,
        onLeadership: (leader) => {
          inc.leader = leader
        },
        statusThrottleMs: 0,
      })
    } else {
      const { socket, watched } = recordedSocket(ctx, index, principal, inc)
      inc.socket = socket
      mw = sync({
        room: ctx.room,
        allowKeys: ['todos', 'settings'],
        socket: watched,
        ...(fixedId ? { clientId: fixedId } : {}),
        statusThrottleMs: 0,
      })
      if (storage) saver = persist({ storage, key: 'app', debounceMs: 5 })
    }
    inc.store = buildStore(mw, inc.rejected, saver, kind.kind === 'devtools')
    inc.close = async () => {
      if (inc.closed) return
      inc.closed = true
      inc.leftPending = pendingOf(inc.store, ctx.room)
      if (saver) {
        // A reload: pagehide flushes what persist holds, the outbox included.
        await saver.flush()
        await saver.stop()
      }
      mw.stop()
      inc.socket?.disconnect()
    }
    incarnations.push(inc)
    return inc
  }

  const open = () => incarnations.filter((i) => !i.closed)
  const count = kind.kind === 'tabs' ? kind.count : 1
  for (let t = 0; t < count; t++) openOne()
  return {
    index,
    kind,
    principal,
    ...(fixedId ? { fixedId } : {}),
    incarnations,
    open,
    writer() {
      const now = open()
      return now[turn++ % now.length]
    },
    async restart() {
      const now = open()
      const closing = kind.kind === 'tabs' ? (now.find((i) => i.leader) ?? now[0]) : now[0]
      await closing?.close()
      openOne()
    },
    async stop() {
      for (const inc of open()) await inc.close()
    },
  }
}

/** One DevTools move: show a past state, skip one of the app's own actions, or go back to the present. */
export function travel(inc: Incarnation, move: 'jump' | 'toggle' | 'resume', at: number) {
  const lifted = inc.store.liftedStore!
  const state = lifted.getState()
  if (move === 'jump') {
    lifted.dispatch(ActionCreators.jumpToState(at % state.computedStates.length))
  } else if (move === 'toggle') {
    const own = state.stagedActionIds.filter((id) =>
      /^(todos|settings)\//.test(String(state.actionsById[id]?.action.type)),
    )
    const id = own[at % Math.max(1, own.length)]
    if (id === undefined) return
    lifted.dispatch(ActionCreators.toggleAction(id))
    if (inc.toggled.has(id)) inc.toggled.delete(id)
    else inc.toggled.add(id)
  } else {
    resume(inc)
  }
}

/** Back to the present: every skipped action on again, the last state shown. */
export function resume(inc: Incarnation) {
  const lifted = inc.store.liftedStore
  if (!lifted) return
  for (const id of inc.toggled) lifted.dispatch(ActionCreators.toggleAction(id))
  inc.toggled.clear()
  lifted.dispatch(ActionCreators.jumpToState(lifted.getState().computedStates.length - 1))
}
