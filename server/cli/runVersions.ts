import { existsSync } from 'node:fs'
import { messageOf } from '../../src/errors'
import { createRelay } from '../createRelay'
import type { Relay } from '../relay/types'
import { sqliteStore } from '../store/sqliteStore'

export const VERSIONS_USAGE = `Usage: patchwire versions <command> <room> [id] [--db <file> | --redis <url>]

Commands:
  list <room>           the room's kept versions, oldest first: id, seq, taken at, reason
  snapshot <room>       take a version of the room's state now
  restore <room> <id>   restore the room to a version, as a new change on top of its log
                        (a version of the state before is taken first: restoring it undoes)

Store (the relay's):
  --db <file>           the SQLite file (default ./.data/patchwire.db)
  --redis <url>         the Redis the relay nodes share; connected clients get the restore at once

With --db and a relay running on the file, its connected clients get the
restore with the room's next change or when they rejoin.
`

interface VersionsArgs {
  command: 'list' | 'snapshot' | 'restore'
  room: string
  id: string | undefined
  db: string
  redis: string | undefined
}

/** Parses `patchwire versions …`; throws a message naming what is wrong. */
export function parseVersionsArgs(argv: readonly string[]): VersionsArgs | 'help' {
  const positional: string[] = []
  let db = './.data/patchwire.db'
  let redis: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') return 'help'
    if (arg === '--db' || arg === '--redis') {
      const value = argv[++i]
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value.`)
      if (arg === '--db') db = value
      else redis = value
    } else if (arg.startsWith('--')) {
      throw new Error(`Unknown flag ${arg}.`)
    } else positional.push(arg)
  }
  const [command, room, id, ...extra] = positional
  if (command !== 'list' && command !== 'snapshot' && command !== 'restore') {
    throw new Error(`Expected a command list, snapshot or restore, received ${command ?? 'none'}.`)
  }
  if (room === undefined) throw new Error(`versions ${command} needs a room.`)
  if (command === 'restore' && id === undefined)
    throw new Error('versions restore needs a version id.')
  if ((command !== 'restore' && id !== undefined) || extra.length > 0) {
    throw new Error(`Unexpected argument ${command === 'restore' ? extra[0] : id}.`)
  }
  return { command, room, id, db, redis }
}

/**
 * Runs a `patchwire versions` command against the relay's store, through a
 * relay that never listens: a restore is the same new change `relay.restoreVersion`
 * writes (schema and limits aside: the CLI has no room schema). Resolves the exit code.
 */
export async function runVersions(
  args: VersionsArgs,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  // Opening a missing file would create an empty database and list nothing.
  if (args.redis === undefined && !existsSync(args.db)) {
    err(`No database at ${args.db}: pass the relay's file with --db.`)
    return 1
  }
  const relay: Relay = createRelay(
    args.redis !== undefined ? { redis: args.redis } : { store: sqliteStore({ file: args.db }) },
  )
  try {
    if (args.command === 'list') {
      for (const v of await relay.versions(args.room)) {
        out(`${v.id}\t${v.seq}\t${new Date(v.takenAt).toISOString()}\t${v.reason}`)
      }
      return 0
    }
    if (args.command === 'snapshot') {
      const taken = await relay.snapshotVersion(args.room)
      if (!taken.ok) {
        err(`${taken.reason}: ${taken.message}`)
        return 1
      }
      out(`took version ${taken.version.id} of ${args.room} at seq ${taken.version.seq}`)
      return 0
    }
    const restored = await relay.restoreVersion(args.room, args.id!)
    if (!restored.ok) {
      err(`${restored.reason}: ${restored.message}`)
      return 1
    }
    out(`restored ${args.room} to version ${args.id} at seq ${restored.seq}`)
    out(`undo with: patchwire versions restore ${args.room} ${restored.before.id}`)
    return 0
  } catch (e) {
    err(messageOf(e))
    return 1
  } finally {
    await relay.close()
  }
}
