import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { collectRunnableBlocks, markdownFiles, runnableBlocks } from './markdownBlocks'
import { exportedSpecifiers, PACKAGE_ENTRIES, typeCheckBlocks } from './typeCheckBlocks'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const FILES = ['README.md', ...markdownFiles(ROOT, 'docs')]
const BLOCKS = collectRunnableBlocks(ROOT, FILES)

describe('runnable code blocks in README.md and docs/', () => {
  it('resolves every subpath the package exports', () => {
    expect(Object.keys(PACKAGE_ENTRIES).sort()).toEqual(exportedSpecifiers(ROOT).sort())
  })

  it('reports a block that does not compile, with its file and line', () => {
    const broken = runnableBlocks(
      'docs/example.md',
      "Text.\n\n```ts runnable\nimport { applyPatch } from 'patchwire'\n\napplyPatch({ changes: 1 })\n```\n",
    )
    const [diagnostics] = typeCheckBlocks(ROOT, broken)
    expect(diagnostics).toHaveLength(1)
    expect(diagnostics![0]).toMatch(/^docs\/example\.md:6: /)
  }, 120_000)

  it('finds runnable blocks in the README and in each part of docs/', () => {
    const files = new Set(BLOCKS.map((b) => b.file.split('/').slice(0, 2).join('/')))
    expect([...files]).toEqual(
      expect.arrayContaining(['README.md', 'docs/concepts', 'docs/how-to', 'docs/reference']),
    )
  })

  // One program checks every block (the package's sources are read once); each block is its own test.
  let results: string[][] | undefined
  const diagnosticsOf = (index: number) => {
    results ??= typeCheckBlocks(ROOT, BLOCKS)
    return results[index]
  }

  it.each(BLOCKS.map((block, index) => [`${block.file}:${block.line}`, index] as const))(
    'the block at %s compiles against the package in strict mode',
    (_, index) => {
      expect(diagnosticsOf(index)).toEqual([])
    },
    300_000,
  )
})
