import type { PatchOp } from '../../src/types'
import { getAt } from './allowedPaths'
import type { ConfirmedModel, PendingChange, VisibleStep } from './confirmedModel'
import { firstWriteAt, seedOpsLost, seedOpsToPush } from './confirmedModel'

/** A path an open seed writes, with the first write of another client there since the join. */
interface SeedPath {
  path: PatchOp['path']
  rival?: { value: unknown } | 'deeper' | undefined
}

/** Stands for "data below the path", which no seed value equals. */
const DEEPER = Symbol('deeper')

const pathKey = (op: PatchOp): string => JSON.stringify(op.path)

/** The seed races of one relay session (see `createSeedRaces`). */
export interface SeedRaces {
  readonly open: boolean
  /**
   * At a join: the pending seeds whose every op the room already holds (to
   * drop instead of pushing); the others are opened on the paths the room lacks.
   */
  joined(): PendingChange[]
  /** Notes, per open seed path, the first relay change of another that wrote it. */
  saw(steps: readonly VisibleStep[]): void
  /** The ops of a seed (those `pick` selects) that another fresh client's seed beat with other values; closes it. */
  lost(seed: PendingChange, pick: (op: PatchOp) => boolean): PatchOp[]
  /** The ops the relay dropped of an accepted seed that lost a race; closes it. */
  lostOnAccept(seed: PendingChange, keptOps: readonly PatchOp[] | undefined): number
  close(id: string): void
  renamed(from: string, to: string): void
}

/**
 * Per pending seed, the paths the room lacked at the last join. A seed
 * losing other paths yields to data the room held (its purpose); losing one
 * of these, with another value, lost a race with another fresh client's
 * seed, and is reported. Each path keeps what the first relay change after
 * the join wrote there: the write the seed raced, which later changes must
 * not be mistaken for.
 *
 * @example
 * ```ts
 * const races = createSeedRaces(model)
 * for (const seed of races.joined()) model.drop(seed.id)
 * ```
 */
export function createSeedRaces(model: ConfirmedModel): SeedRaces {
  const seedOpen = new Map<string, Map<string, SeedPath>>()

  const lost = (seed: PendingChange, pick: (op: PatchOp) => boolean): PatchOp[] => {
    const open = seedOpen.get(seed.id)
    seedOpen.delete(seed.id)
    const raced = seed.ops.filter((op) => pick(op) && open?.has(pathKey(op)))
    return seedOpsLost(raced, (op) => {
      const rival = open?.get(pathKey(op))?.rival
      // Not seen yet (its relay change is still on the way): the room's value now.
      if (rival === undefined) return getAt(model.base, op.path.map(String))
      return rival === 'deeper' ? DEEPER : rival.value
    })
  }

  return {
    get open() {
      return seedOpen.size > 0
    },
    joined() {
      const held: PendingChange[] = []
      for (const p of model.pending) {
        if (!p.seed) continue
        const open = seedOpsToPush(p, model.base)
        if (open.length === 0) held.push(p)
        else seedOpen.set(p.id, new Map(open.map((op) => [pathKey(op), { path: op.path }])))
      }
      return held
    },
    saw(steps) {
      for (const { change } of steps) {
        if (!change) continue
        for (const [id, open] of seedOpen) {
          if (change.id === id) continue
          for (const entry of open.values()) entry.rival ??= firstWriteAt(change.ops, entry.path)
        }
      }
    },
    lost,
    lostOnAccept(seed, keptOps) {
      const kept = new Set((keptOps ?? []).map(pathKey))
      return lost(seed, (op) => !kept.has(pathKey(op))).length
    },
    close(id) {
      seedOpen.delete(id)
    },
    renamed(from, to) {
      const open = seedOpen.get(from)
      seedOpen.delete(from)
      if (open) seedOpen.set(to, open)
    },
  }
}
