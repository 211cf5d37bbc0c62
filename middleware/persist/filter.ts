import { optionError } from '../../src/optionError'
import { deleteIn, getIn, setIn } from './valuePaths'

type Rules = Map<string, string[][] | 'all'>

/** Which parts of the state reach storage, from the `allow` / `deny` options. */
export interface PersistFilter {
  /** The top-level keys of `state` that are persisted. */
  keys(state: Record<string, unknown>): string[]
  /** The value to store for a top-level key: allowed paths kept, denied paths stripped. */
  toStored(topKey: string, value: unknown): unknown
  /** The value to restore: stored parts laid over the current value, denied paths left as they are. */
  fromStored(topKey: string, stored: unknown, current: unknown): unknown
}

function parseRules(option: string, list: readonly string[] | undefined): Rules | undefined {
  if (list === undefined) return undefined
  if (!Array.isArray(list)) {
    throw optionError('persist', option, 'an array of keys or dotted paths', list)
  }
  const rules: Rules = new Map()
  for (const entry of list) {
    const parts = typeof entry === 'string' ? entry.split('.') : []
    if (parts.length === 0 || parts.some((p) => p === '')) {
      throw optionError(
        'persist',
        option,
        'a list of keys or dotted paths without empty parts',
        entry,
      )
    }
    const [top, ...rest] = parts as [string, ...string[]]
    const existing = rules.get(top)
    if (rest.length === 0 || existing === 'all') rules.set(top, 'all')
    else rules.set(top, [...(existing ?? []), rest])
  }
  return rules
}

/** Builds the filter for `allow` / `deny`; throws at setup on a malformed list. */
export function createPersistFilter(
  allow: readonly string[] | undefined,
  deny: readonly string[] | undefined,
  statusKey: string,
): PersistFilter {
  const allowed = parseRules('allow', allow)
  const denied = parseRules('deny', deny) ?? new Map()
  const include = (k: string) => k !== statusKey && denied.get(k) !== 'all'
  const allowedPaths = (k: string) => {
    const rule = allowed?.get(k)
    return rule === undefined || rule === 'all' ? undefined : rule
  }
  const deniedPaths = (k: string) => {
    const rule = denied.get(k)
    return rule === undefined || rule === 'all' ? [] : rule
  }
  return {
    keys(state) {
      const all = allowed
        ? [...allowed.keys()].filter((k) => Object.hasOwn(state, k))
        : Object.keys(state)
      return all.filter(include)
    },
    toStored(topKey, value) {
      let out = value
      const only = allowedPaths(topKey)
      if (only) {
        out = {}
        for (const path of only) {
          const got = getIn(value, path)
          if (got.found) out = setIn(out, path, got.value)
        }
      }
      for (const path of deniedPaths(topKey)) out = deleteIn(out, path)
      return out
    },
    fromStored(topKey, stored, current) {
      let out = stored
      const only = allowedPaths(topKey)
      if (only) {
        out = current
        for (const path of only) {
          const got = getIn(stored, path)
          if (got.found) out = setIn(out, path, got.value)
        }
      }
      for (const path of deniedPaths(topKey)) {
        const got = getIn(current, path)
        out = got.found ? setIn(out, path, got.value) : deleteIn(out, path)
      }
      return out
    },
  }
}
