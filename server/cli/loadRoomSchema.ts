import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describeValue } from '../../src/errors'
import type { AnySchema } from '../../src/schemaGate'

/** What `createRelay`'s `schema` option takes: the schema of a room, or none. */
export type RoomSchema = (room: string) => AnySchema | undefined

function isStandardSchema(value: unknown): value is AnySchema {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    '~standard' in value
  )
}

/**
 * Loads `patchwire relay --schema <module>`: the module's default export, or
 * its named `schema` export, is either a Standard Schema that every room's
 * state must pass, or a function `(room) => schema | undefined`. Throws an
 * Error naming `--schema` and what the module exported otherwise.
 *
 * @example
 * ```ts
 * const schema = await loadRoomSchema('./roomSchema.mjs') // export default z.object({ … })
 * createRelay({ schema })
 * ```
 */
export async function loadRoomSchema(modulePath: string): Promise<RoomSchema> {
  const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>
  // A CommonJS module's exports arrive as `default`, so its `schema` sits one level down.
  const candidates = [mod.schema, mod.default, (mod.default as { schema?: unknown })?.schema]
  for (const exported of candidates) {
    // Checked before `function`: some Standard Schema libraries (ArkType) make schemas callable.
    if (isStandardSchema(exported)) return () => exported
    if (typeof exported === 'function') return exported as RoomSchema
  }
  throw new Error(
    `--schema ${modulePath} must export (default or as "schema") a Standard Schema or a function (room) => schema; it exports ${describeValue(mod.schema ?? mod.default)}.`,
  )
}
