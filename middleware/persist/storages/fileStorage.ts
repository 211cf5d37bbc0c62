import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PersistStorage } from '../types'

/** Options of `createFileStorage`. */
export interface FileStorageOptions {
  /** The directory holding one file per stored key; created when missing. */
  dir: string
}

let tmpCounter = 0

/**
 * A Node storage engine that keeps one file per key in a directory. Each
 * write goes to a temporary file that is then renamed over the old one, so a
 * crash mid-write leaves either the old or the new value, never half of one.
 * Node only: import it from `patchwire/server`.
 *
 * @example
 * ```ts
 * persist({ storage: createFileStorage({ dir: './.state' }), key: 'worker' })
 * ```
 */
export function createFileStorage(options: FileStorageOptions): PersistStorage {
  const { dir } = options
  let ready: Promise<unknown> | undefined
  const ensureDir = () => {
    ready ??= mkdir(dir, { recursive: true })
    return ready
  }
  // Keys hold ":" and other characters file systems refuse; encode them reversibly.
  const fileOf = (key: string) => join(dir, `${encodeURIComponent(key)}.json`)
  return {
    async getItem(key) {
      try {
        return await readFile(fileOf(key), 'utf8')
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ENOENT') return null
        throw err
      }
    },
    async setItem(key, value) {
      await ensureDir()
      const tmp = `${fileOf(key)}.${process.pid}.${++tmpCounter}.tmp`
      await writeFile(tmp, value, 'utf8')
      await rename(tmp, fileOf(key))
    },
    async removeItem(key) {
      await rm(fileOf(key), { force: true })
    },
  }
}
