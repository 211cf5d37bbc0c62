import { type ChildProcess, spawn } from 'node:child_process'
import type { RoomState } from '../../server/api/types'
import type { FuzzRelayConfig, RelayChildRequest, RelayChildStats } from './relayChild'

/** The fuzzed relay's process, as the fuzzer drives it. */
export interface FuzzRelayProcess {
  url: string
  child: ChildProcess
  /** Set once the process has exited, with how. */
  exit: { code: number | null; signal: string | null } | undefined
  /** Its stderr so far (the last 8 kB): a crash's stack. */
  stderr(): string
  stats(): Promise<RelayChildStats>
  read(room: string): Promise<RoomState>
  close(): Promise<void>
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void }

/** Starts `relayChild.ts` with `--expose-gc` and resolves once it listens. */
export function startFuzzRelay(config: FuzzRelayConfig): Promise<FuzzRelayProcess> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'test/fuzz/relayChild.ts', JSON.stringify(config)],
    { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000)
  })
  const pending = new Map<number, Pending>()
  let next = 0
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      handle.exit = { code, signal }
      for (const p of pending.values()) p.reject(new Error(`the relay exited: ${stderr}`))
      pending.clear()
      resolve()
    }),
  )
  const request = <T>(req: DistributiveOmit<RelayChildRequest, 'id'>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (handle.exit) return reject(new Error(`the relay exited: ${stderr}`))
      const id = ++next
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      child.send({ ...req, id })
    })
  const handle: FuzzRelayProcess = {
    url: '',
    child,
    exit: undefined,
    stderr: () => stderr,
    stats: () => request<RelayChildStats>({ cmd: 'stats' }),
    read: (room) => request<RoomState>({ cmd: 'read', room }),
    close: async () => {
      if (!handle.exit) await request({ cmd: 'close' }).catch(() => undefined)
      await exited
    },
  }
  child.on('message', (msg: { id?: number; result?: unknown; error?: string }) => {
    if (msg.id === undefined) return
    const p = pending.get(msg.id)
    pending.delete(msg.id)
    if (msg.error !== undefined) p?.reject(new Error(msg.error))
    else p?.resolve(msg.result)
  })
  return new Promise((resolve, reject) => {
    child.on('message', (msg: { listening?: number }) => {
      if (typeof msg.listening !== 'number') return
      handle.url = `http://127.0.0.1:${msg.listening}`
      resolve(handle)
    })
    void exited.then(() => reject(new Error(`the relay exited before listening: ${stderr}`)))
  })
}
