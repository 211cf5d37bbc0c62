import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { Component, type ReactNode, StrictMode, Suspense } from 'react'
import { createRoot } from 'react-dom/client'
import { Provider, useSelector } from 'react-redux'
import { io } from 'socket.io-client'
import {
  isPatchwireError,
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  sync,
  withPatchwire,
} from '../../../src/index'
import { useHydratedSuspense, useRoomSuspense } from '../../../src/react/index'

// A page with two Suspense boundaries, each inside an error boundary: one
// waits for persist (a storage whose load the test releases or fails), one for
// the first join of a room on a real relay (`?relay=&room=&schema=`). The
// test drives it through `window.suspenseTest`.
const params = new URLSearchParams(window.location.search)
const room = params.get('room') ?? 'suspense'

// The same synced slices as the Node clients of test/sync/helpers, so the room's data fits.
const todos = createSlice({
  name: 'todos',
  initialState: { items: [] as string[] },
  reducers: {},
})
const settings = createSlice({
  name: 'settings',
  initialState: { theme: 'light', lang: 'en', fields: {} as Record<string, number> },
  reducers: {},
})
const notes = createSlice({ name: 'notes', initialState: { items: [] as string[] }, reducers: {} })
// Not persisted, not synced: store updates while the boundaries are suspended.
const ui = createSlice({
  name: 'ui',
  initialState: { ticks: 0 },
  reducers: {
    ticked(state, action: PayloadAction<number>) {
      state.ticks += action.payload
    },
  },
})

const header = JSON.stringify({ v: 1, at: '000000000000001-000000-seed', writer: 'seed' })
const stored = new Map<string, string>([
  ['patchwire:suspense:v1', JSON.stringify({ v: 1, keys: ['notes'] })],
  ['patchwire:suspense:v1:notes', `${header}\n${JSON.stringify({ items: ['restored'] })}`],
])
let releaseLoad: () => void = () => {}
let failLoad: (error: Error) => void = () => {}
const loadGate = new Promise<void>((resolve, reject) => {
  releaseLoad = resolve
  failLoad = reject
})
loadGate.catch(() => {})
const storage = {
  async getItem(key: string) {
    await loadGate
    return stored.get(key) ?? null
  },
  setItem: (key: string, value: string) => void stored.set(key, value),
  removeItem: (key: string) => void stored.delete(key),
}

const socket = io(params.get('relay') ?? '', { transports: ['websocket'], autoConnect: false })
const store = configureStore({
  reducer: withPatchwire({
    todos: todos.reducer,
    settings: settings.reducer,
    notes: notes.reducer,
    ui: ui.reducer,
    [PATCHWIRE_KEY]: patchwireReducer,
  }),
  middleware: (gDM) =>
    gDM()
      .prepend(
        persist({ key: 'suspense', storage, allow: ['notes'], loadTimeoutMs: 300_000 }).middleware,
      )
      .concat(
        patchwireMiddleware(),
        sync({
          room,
          socket,
          allowKeys: ['todos', 'settings'],
          schemaVersion: params.get('schema') ?? '1.0',
        }).middleware,
      ),
})
type State = ReturnType<typeof store.getState>

type Gate = 'hydrated' | 'room'
const renders: Record<Gate, number> = { hydrated: 0, room: 0 }
const thrown: Record<Gate, Set<unknown>> = { hydrated: new Set(), room: new Set() }

/** Keeps a promise a hook threw (then lets Suspense have it), so the test can count them. */
function keep(gate: Gate, thing: unknown): never {
  if (typeof (thing as { then?: unknown } | null)?.then === 'function') thrown[gate].add(thing)
  throw thing
}

function Notes() {
  renders.hydrated++
  try {
    // biome-ignore lint/correctness/useHookAtTopLevel: it runs on every render; the catch only records what it threw and throws it on
    useHydratedSuspense()
  } catch (thing) {
    keep('hydrated', thing)
  }
  const items = useSelector((s: State) => s.notes.items)
  return <p data-testid="hydrated-content">{items.join(', ')}</p>
}

function RoomTodos() {
  renders.room++
  try {
    // biome-ignore lint/correctness/useHookAtTopLevel: it runs on every render; the catch only records what it threw and throws it on
    useRoomSuspense(room)
  } catch (thing) {
    keep('room', thing)
  }
  const items = useSelector((s: State) => s.todos.items)
  return <p data-testid="room-content">{items.join(', ')}</p>
}

class ErrorBoundary extends Component<{ gate: Gate; children: ReactNode }, { error: unknown }> {
  override state = { error: null as unknown }
  static getDerivedStateFromError(error: unknown) {
    return { error }
  }
  override render() {
    const { error } = this.state
    if (error === null) return this.props.children
    const text = isPatchwireError(error)
      ? `${error.name} ${error.code} ${JSON.stringify(error.details)}`
      : `not a PatchwireError: ${String(error)}`
    return <p data-testid={`${this.props.gate}-error`}>{text}</p>
  }
}

function Gated({ gate, children }: { gate: Gate; children: ReactNode }) {
  return (
    <ErrorBoundary gate={gate}>
      <Suspense fallback={<p data-testid={`${gate}-fallback`}>waiting</p>}>{children}</Suspense>
    </ErrorBoundary>
  )
}

const root = document.getElementById('root')
if (!root) throw new Error('the page has no #root')
createRoot(root).render(
  <StrictMode>
    <Provider store={store}>
      <Gated gate="hydrated">
        <Notes />
      </Gated>
      <Gated gate="room">
        <RoomTodos />
      </Gated>
    </Provider>
  </StrictMode>,
)

Object.assign(window, {
  suspenseTest: {
    releaseLoad: () => releaseLoad(),
    failLoad: (message: string) => failLoad(new Error(message)),
    tick: (times: number) => {
      for (let i = 0; i < times; i++) store.dispatch(ui.actions.ticked(1))
    },
    renders: (gate: Gate) => renders[gate],
    thrown: (gate: Gate) => thrown[gate].size,
    // Two animation frames: whatever React scheduled for the last update has rendered.
    frames: () =>
      new Promise<void>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
      ),
  },
})
