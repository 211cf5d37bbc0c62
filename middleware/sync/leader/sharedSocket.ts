import type { RelaySocket, TabLocks } from '../types'

/** What `createSharedSocket` needs. */
export interface SharedSocketOptions {
  /** Names the lock and the channel: tabs with the same key share one connection. */
  key: string
  /** Opens the real connection; called only in the tab that holds the lock. */
  open: () => RelaySocket
  locks: TabLocks
  /** Called when this tab starts or stops holding the connection. */
  onLeadership?: (leader: boolean) => void
}

type ShareMessage =
  | { t: 'hello' }
  | { t: 'state'; leader: string; connected: boolean }
  | { t: 'bye'; leader: string }
  | { t: 'emit'; from: string; call: number; event: string; payload: unknown }
  | { t: 'ack'; to: string; call: number; ack: unknown }
  | { t: 'event'; event: string; args: unknown[] }

type Listener = (...args: unknown[]) => void

// Relay events the leader hands on to the other tabs.
const RELAYED = ['change', 'changes', 'presence', 'goodbye', 'connect_error'] as const

// The leader joins under the group of a tab's id (`tabs` for `tabs:<tab>`):
// the relay then takes every tab's change ids through this one connection.
const groupOf = (clientId: unknown): unknown =>
  typeof clientId === 'string' && clientId.includes(':')
    ? clientId.slice(0, clientId.indexOf(':'))
    : clientId

/**
 * One relay connection for all tabs of a browser: a socket-shaped object that
 * the sync session uses like a socket.io-client socket. The tab holding the
 * lock opens the real socket and hands relay events to the other tabs over a
 * BroadcastChannel; the others send their `join` / `push` / `catchUp` through
 * it and get the acknowledgements back. When the holder goes, the next tab
 * takes the lock, connects, and every tab's session re-joins from its last
 * sequence and re-pushes its own pending changes (the relay dedups by id).
 *
 * @example
 * ```ts
 * const socket = createSharedSocket({ key: 'chat', open: () => createRelaySocket(url), locks: defaultTabLocks() })
 * ```
 */
export function createSharedSocket(options: SharedSocketOptions): RelaySocket {
  const tabId = globalThis.crypto.randomUUID()
  const channel = new BroadcastChannel(`patchwire:share:${options.key}`)
  const abort = new AbortController()
  const listeners = new Map<string, Set<Listener>>()
  const calls = new Map<number, Listener>()
  let nextCall = 0
  let leader = false
  let leaderId: string | undefined
  let real: RelaySocket | undefined
  let connected = false
  let closed = false
  let release: (() => void) | undefined

  const post = (m: ShareMessage) => {
    if (!closed) channel.postMessage(m)
  }
  const fire = (event: string, ...args: unknown[]) => {
    for (const l of [...(listeners.get(event) ?? [])]) l(...args)
  }
  const setConnected = (next: boolean, reason = 'transport close') => {
    if (connected === next) return
    connected = next
    if (!next) calls.clear()
    if (next) fire('connect')
    else fire('disconnect', reason)
  }

  const forward = (event: string, payload: unknown, ack: Listener) => {
    // Other tabs still use the room on this connection: a tab leaving only stops listening.
    if (event === 'leave') return ack({ ok: true })
    let body = payload
    if (event === 'join' && payload !== null && typeof payload === 'object') {
      // With echoes: the other tabs on this connection see each other's changes only through them.
      body = {
        ...payload,
        clientId: groupOf((payload as { clientId?: unknown }).clientId),
        echo: true,
      }
    }
    ;(real as unknown as { emit(e: string, p: unknown, a: Listener): void }).emit(event, body, ack)
  }

  const lead = (): Promise<void> => {
    if (closed) return Promise.resolve()
    leader = true
    leaderId = tabId
    options.onLeadership?.(true)
    setConnected(false, 'leader changed')
    const socket = options.open()
    real = socket
    socket.on('connect', () => {
      post({ t: 'state', leader: tabId, connected: true })
      setConnected(true)
    })
    socket.on('disconnect', (reason) => {
      post({ t: 'state', leader: tabId, connected: false })
      setConnected(false, reason)
    })
    for (const event of RELAYED) {
      ;(socket as unknown as { on(e: string, l: Listener): void }).on(event, (...args) => {
        fire(event, ...args)
        const wire =
          event === 'connect_error' ? [{ message: String((args[0] as Error)?.message) }] : args
        post({ t: 'event', event, args: wire })
      })
    }
    post({ t: 'state', leader: tabId, connected: socket.connected })
    if (socket.connected) setConnected(true)
    else if (!socket.active) socket.connect()
    return new Promise<void>((resolve) => {
      release = resolve
    })
  }

  // Two leaders can only come from the lease fallback (two claims in one
  // instant): the larger tab id hands its connection over and waits again.
  const stepDown = () => {
    const socket = real
    leader = false
    real = undefined
    ;(socket as unknown as { removeAllListeners(): void } | undefined)?.removeAllListeners()
    socket?.disconnect()
    options.onLeadership?.(false)
    post({ t: 'bye', leader: tabId })
    leaderId = undefined
    setConnected(false, 'leader changed')
    release?.()
    release = undefined
    post({ t: 'hello' })
    requestLock()
  }

  channel.onmessage = (e: MessageEvent<ShareMessage>) => {
    const m = e.data
    if (leader) {
      if (m.t === 'state' && m.connected && m.leader < tabId) stepDown()
      else if (m.t === 'hello')
        post({ t: 'state', leader: tabId, connected: real?.connected ?? false })
      else if (m.t === 'emit') {
        forward(m.event, m.payload, (ack) => post({ t: 'ack', to: m.from, call: m.call, ack }))
      }
      return
    }
    if (m.t === 'state') {
      if (leaderId !== m.leader) setConnected(false, 'leader changed')
      leaderId = m.leader
      setConnected(m.connected)
    } else if (m.t === 'bye' && m.leader === leaderId) {
      leaderId = undefined
      setConnected(false, 'leader left')
    } else if (m.t === 'ack' && m.to === tabId) {
      const ack = calls.get(m.call)
      calls.delete(m.call)
      ack?.(m.ack)
    } else if (m.t === 'event') fire(m.event, ...m.args)
  }

  const requestLock = () => {
    options.locks
      .request(`patchwire:relay:${options.key}`, { mode: 'exclusive', signal: abort.signal }, lead)
      .catch(() => {
        // Aborted while waiting: this tab closed before it ever led.
      })
  }
  post({ t: 'hello' })
  requestLock()

  const shared = {
    get connected() {
      return connected
    },
    get active() {
      // A leader whose socket gave up (a refused namespace or handshake destroys it)
      // is not active, so a session started after that error connects it again.
      return !closed && !(leader && real && !real.active)
    },
    on(event: string, listener: Listener) {
      const set = listeners.get(event) ?? new Set<Listener>()
      listeners.set(event, set)
      set.add(listener)
      return shared
    },
    off(event: string, listener: Listener) {
      listeners.get(event)?.delete(listener)
      return shared
    },
    emit(event: string, payload: unknown, ack: Listener = () => {}) {
      if (closed) return shared
      if (leader) forward(event, payload, ack)
      else if (event === 'leave') ack({ ok: true })
      else if (connected) {
        const call = ++nextCall
        calls.set(call, ack)
        post({ t: 'emit', from: tabId, call, event, payload })
      }
      return shared
    },
    connect() {
      if (leader && real && !real.active) real.connect()
      return shared
    },
    disconnect() {
      if (closed) return shared
      if (leader) {
        // Quietly: the 'bye' below is the one word the other tabs need.
        ;(real as unknown as { removeAllListeners(): void } | undefined)?.removeAllListeners()
        real?.disconnect()
        post({ t: 'bye', leader: tabId })
        options.onLeadership?.(false)
      }
      closed = true
      leader = false
      abort.abort()
      channel.close()
      release?.()
      return shared
    },
  }
  // The sync session uses only on/off/emit/connect and connected/active of a socket.
  return shared as unknown as RelaySocket
}
