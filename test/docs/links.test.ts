import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { markdownFiles } from './markdownBlocks'
import { anchorsOf, brokenReason, relativeLinks } from './markdownLinks'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const FILES = ['README.md', ...markdownFiles(ROOT, 'docs')]

describe('links in README.md and docs/', () => {
  it('derives heading anchors the way the code host does', () => {
    const anchors = anchorsOf(
      '## `applyPatch({ changes }, meta?)` and `patchRejected`\n## Keys\n## Keys\n',
    )
    expect([...anchors]).toEqual(['applypatch-changes--meta-and-patchrejected', 'keys', 'keys-1'])
  })

  it('point at files and headings that exist', () => {
    const broken = FILES.flatMap((file) =>
      relativeLinks(ROOT, file).flatMap((link) => {
        const reason = brokenReason(ROOT, link)
        return reason ? [`${link.file}:${link.line} → ${link.target}: ${reason}`] : []
      }),
    )
    expect(broken).toEqual([])
  })
})
