import type { Path } from '../../src/types'
import type { HistoryStep, StepEntry } from './types'

/** What the history keeps across reloads (the durable part `history`). */
export interface HistoryDurableState {
  v: 1
  tick: number
  undo: HistoryStep[]
  redo: HistoryStep[]
  /** Others' writes after the oldest entry's tick, so a reloaded undo still skips them. */
  others: [Path, number][]
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const isPath = (v: unknown): v is Path =>
  Array.isArray(v) && v.every((s) => typeof s === 'string' || typeof s === 'number')

const isEntry = (v: unknown): v is StepEntry =>
  isObject(v) && isPath(v.path) && typeof v.had === 'boolean' && typeof v.tick === 'number'

const isStep = (v: unknown): v is HistoryStep =>
  isObject(v) && typeof v.at === 'number' && Array.isArray(v.entries) && v.entries.every(isEntry)

/**
 * Checks a stored history; anything else (another version, a damaged entry)
 * is `undefined` and the history starts empty rather than from bad data.
 */
export function parseDurableHistory(value: unknown): HistoryDurableState | undefined {
  if (!isObject(value) || value.v !== 1) return undefined
  const { tick, undo, redo, others } = value
  if (
    typeof tick !== 'number' ||
    !Number.isSafeInteger(tick) ||
    !Array.isArray(undo) ||
    !undo.every(isStep) ||
    !Array.isArray(redo) ||
    !redo.every(isStep) ||
    !Array.isArray(others) ||
    !others.every((o) => Array.isArray(o) && isPath(o[0]) && typeof o[1] === 'number')
  ) {
    return undefined
  }
  return { v: 1, tick, undo, redo, others: others as [Path, number][] }
}
