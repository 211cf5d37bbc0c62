/**
 * One connection per browser: relay sockets per "browser" (N stores in one
 * process, like N tabs) with and without `shareConnection`, and how long a
 * leader takeover takes when the leader tab closes: until another tab holds
 * the lock, until every remaining tab is live again, and until a write made
 * by a follower right after the close is accepted. Baseline: one ordinary
 * tab whose socket drops and reconnects (socket.io-client's reconnection),
 * measured in the same run. Locks: an in-process Web Locks stand-in (what
 * browsers give) and the BroadcastChannel lease fallback (default timing).
 *
 * Run: npx tsx bench/tabLeader.ts [runs]
 */
import { configureStore } from '@reduxjs/toolkit'
import { createLeaseLocks } from '../middleware/sync/leader/leaseLocks'
import type { TabLocks } from '../middleware/sync/types'
import { createRelay } from '../server/createRelay'
import {
  confirmed,
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  sync,
  withPatchwire,
} from '../src/index'
import { createLocalLocks } from '../test/guarantees/localLocks'
import { todos } from '../test/sync/helpers'

const RUNS = Number(process.argv[2] ?? 5)

function tab(url: string, room: string, share: boolean, locks: TabLocks) {
  const state = { leader: false, leaderAt: 0 }
  const mw = sync({
    room,
    url,
    allowKeys: ['todos'],
    shareConnection: share,
    tabLocks: locks,
    onLeadership: (leader) => {
      state.leader = leader
      if (leader) state.leaderAt = performance.now()
    },
  })
  const store = configureStore({
    reducer: withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    middleware: (gDM) => gDM().concat(patchwireMiddleware(), mw.middleware),
  })
  const isLive = () => store.getState().patchwire.sync[room]?.connection === 'live'
  return { store, mw, state, isLive }
}
type Tab = ReturnType<typeof tab>

async function until(check: () => boolean): Promise<number> {
  for (;;) {
    if (check()) return performance.now()
    await new Promise((r) => setTimeout(r, 1))
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

async function main() {
  const relay = createRelay({})
  const port = await relay.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${port}`
  let roomNo = 0
  const clients = async () => {
    await new Promise((r) => setTimeout(r, 50))
    return relay.io.engine.clientsCount
  }

  console.log('sockets per browser')
  console.log('tabs | own socket each | shareConnection | ratio')
  for (const n of [2, 3, 5]) {
    const counts: number[] = []
    for (const share of [false, true]) {
      const room = `s${roomNo++}`
      const locks = createLocalLocks()
      const tabs = Array.from({ length: n }, () => tab(url, room, share, locks))
      await until(() => tabs.every((t) => t.isLive()))
      counts.push(await clients())
      for (const t of tabs) t.mw.stop()
      await until(() => relay.io.engine.clientsCount === 0)
    }
    const [own, shared] = counts as [number, number]
    console.log(
      `${n}    | ${own}               | ${shared}               | ${(shared / own).toFixed(2)}`,
    )
  }

  const rows: [string, number[], number[], number[]][] = []
  // Baseline: a plain tab's connection drops and socket.io-client reconnects it.
  {
    const live: number[] = []
    const write: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const room = `b${roomNo++}`
      const t = tab(url, room, false, createLocalLocks())
      await until(t.isLive)
      const t0 = performance.now()
      // A dropped transport (not a server-side kick), which socket.io-client reconnects.
      for (const s of relay.io.sockets.sockets.values()) if (s.rooms.has(room)) s.conn.close()
      const done = t.store.dispatch(confirmed(todos.actions.added('x')))
      await until(() => !t.isLive())
      live.push((await until(t.isLive)) - t0)
      await done
      write.push(performance.now() - t0)
      t.mw.stop()
    }
    rows.push(['reconnect of one plain tab (baseline)', [], live, write])
  }
  for (const [name, makeLocks] of [
    ['takeover, Web Locks stand-in', createLocalLocks],
    ['takeover, BroadcastChannel lease', () => createLeaseLocks()],
  ] as const) {
    const lead: number[] = []
    const live: number[] = []
    const write: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const room = `t${roomNo++}`
      const locks = makeLocks()
      const tabs: Tab[] = Array.from({ length: 3 }, () => tab(url, room, true, locks))
      await until(() => tabs.every((t) => t.isLive()) && tabs.some((t) => t.state.leader))
      const leader = tabs.find((t) => t.state.leader) as Tab
      const rest = tabs.filter((t) => t !== leader)
      const t0 = performance.now()
      leader.mw.stop()
      const done = (rest[0] as Tab).store.dispatch(confirmed(todos.actions.added('x')))
      const newLeader = await until(() => rest.some((t) => t.state.leader))
      lead.push(newLeader - t0)
      live.push((await until(() => rest.every((t) => t.isLive()))) - t0)
      await done
      write.push(performance.now() - t0)
      for (const t of rest) t.mw.stop()
    }
    rows.push([name, lead, live, write])
  }
  const base = median(rows[0]?.[3] ?? [1])
  console.log(`\ntakeover after the leader tab closes (median of ${RUNS} runs, ms)`)
  console.log('case | new leader | all tabs live | follower write accepted | write vs baseline')
  for (const [name, lead, live, write] of rows) {
    const l = lead.length > 0 ? median(lead).toFixed(1) : '-'
    console.log(
      `${name} | ${l} | ${median(live).toFixed(1)} | ${median(write).toFixed(1)} | ${(median(write) / base).toFixed(2)}x`,
    )
  }
  await relay.close()
}

void main().then(() => process.exit(0))
