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

  it('shows a default for every option of every options interface', () => {
    const pages = files(API_REFERENCE_DIR).filter((name) =>
      /interfaces\/\w+(Options|Props)\.md$/.test(name),
    )
    expect(pages.length).toBeGreaterThan(20)
    for (const page of pages) {
      const text = readFileSync(join(API_REFERENCE_DIR, page), 'utf8')
      const header = text.split('\n').find((line) => line.startsWith('| Property |'))
      expect(header, `${page} has a default column`).toContain('| Default value |')
      // A top-level option's row starts with its anchor; its third cell is the default.
      for (const row of text.split('\n').filter((line) => line.startsWith('| <a id="property-'))) {
        const cells = row.split(/(?<!\\)\|/).map((cell) => cell.trim())
        expect(cells[3], `${page}: ${cells[1]}`).toMatch(/\S/)
        expect(cells[3], `${page}: ${cells[1]}`).not.toBe('`undefined`')
      }
    }
  })

  it('lists the relay flags exactly as server/cli/relayFlags.ts defines them', () => {
    const committed = readFileSync(RELAY_CLI_REFERENCE, 'utf8')
    expect(committed).toContain(FLAG_TABLE_START)
    expect(committed, `${RELAY_CLI_REFERENCE} (run npm run docs)`).toBe(
      regenerateRelayCliReference(committed),
    )
  })
})
