import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  API_REFERENCE_DIR,
  generateApiReference,
  RELAY_CLI_REFERENCE,
  regenerateRelayCliReference,
} from '../../scripts/docs/generateReference'
import { FLAG_TABLE_START } from '../../scripts/docs/relayFlagTable'

const files = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
const fresh = mkdtempSync(join(tmpdir(), 'patchwire-reference-'))
afterAll(() => rmSync(fresh, { recursive: true, force: true }))

describe('the committed reference', () => {
  it('is what npm run docs generates from the TSDoc, file for file', async () => {
    await generateApiReference(fresh)
    expect(files(API_REFERENCE_DIR)).toEqual(files(fresh))
    for (const name of files(fresh)) {
      if (!name.endsWith('.md')) continue
      const committed = readFileSync(join(API_REFERENCE_DIR, name), 'utf8')
      expect(committed, `${API_REFERENCE_DIR}/${name} (run npm run docs)`).toBe(
        readFileSync(join(fresh, name), 'utf8'),
      )
    }
  }, 600_000)

  it('lists the relay flags exactly as server/cli/relayFlags.ts defines them', () => {
    const committed = readFileSync(RELAY_CLI_REFERENCE, 'utf8')
    expect(committed).toContain(FLAG_TABLE_START)
    expect(committed, `${RELAY_CLI_REFERENCE} (run npm run docs)`).toBe(
      regenerateRelayCliReference(committed),
    )
  })
})
