import type { Middleware } from '@reduxjs/toolkit'
import { applyPatch } from '../../src/actions'
import { diffState } from '../../src/diff'
import type { Path } from '../../src/types'

const key = (path: Path) => path.map(String).join('/')
const under = (k: string, p: string) => k === p || k.startsWith(`${p}/`)

/**
 * Watches one store and keeps, per leaf of `board` (and per removed path),
 * who wrote what it shows now: this client ('self', its own actions and
 * undo/redo) or someone else ('other', relay changes). Every op of an
 * undo/redo change is checked before it applies: replacing or removing
 * something that another client wrote is recorded as a violation.
 */
export function watchLastWriters(name: string) {
  const writers = new Map<string, 'self' | 'other'>()
  const violations: string[] = []
  const write = (path: Path, value: unknown, removed: boolean, who: 'self' | 'other') => {
    const p = key(path)
    for (const k of [...writers.keys()]) if (under(k, p)) writers.delete(k)
    if (removed) {
      writers.set(p, who)
      return
    }
    const leaves = (v: unknown, at: string) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const entries = Object.entries(v)
        if (entries.length === 0) writers.set(at, who)
        for (const [k, child] of entries) leaves(child, `${at}/${k}`)
      } else writers.set(at, who)
    }
    leaves(value, p)
  }
  const middleware: Middleware = (api) => (next) => (action) => {
    if (applyPatch.match(action) && action.meta.history) {
      for (const op of action.payload.changes.flatMap((c) => c.ops)) {
        const p = key(op.path)
        for (const [k, who] of writers)
          if (who === 'other' && under(k, p))
            violations.push(`${name} ${action.meta.history} ${op.op} ${p} over another's ${k}`)
      }
    }
    const from = (api.getState() as { board: unknown }).board
    const result = next(action)
    const to = (api.getState() as { board: unknown }).board
    if (from !== to) {
      const who =
        !applyPatch.match(action) || action.payload.changes.every((c) => c.source === 'local')
          ? 'self'
          : 'other'
      for (const op of diffState(from, to, ['board']))
        write(op.path, op.value, op.op === 'remove', who)
    }
    return result
  }
  return { middleware, violations }
}
