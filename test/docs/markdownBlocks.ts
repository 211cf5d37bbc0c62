import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** A fenced code block of a Markdown file marked `runnable` in its info string. */
export interface RunnableBlock {
  /** The Markdown file, relative to the repository root. */
  file: string
  /** The line of the opening fence, 1-based. */
  line: number
  /** `ts` or `tsx`: the block is compiled as a file with that extension. */
  lang: 'ts' | 'tsx'
  code: string
}

// ```ts runnable … ``` (or tsx): the code host reads the first word as the language
// and ignores the rest, so the marker stays invisible to readers.
const FENCE = /^```(ts|tsx) runnable[ \t]*\n([\s\S]*?)^```[ \t]*$/gm

/** The runnable blocks of one Markdown text, in order. */
export function runnableBlocks(file: string, text: string): RunnableBlock[] {
  const blocks: RunnableBlock[] = []
  for (const match of text.matchAll(FENCE)) {
    const line = text.slice(0, match.index).split('\n').length
    blocks.push({ file, line, lang: match[1] as 'ts' | 'tsx', code: match[2]! })
  }
  return blocks
}

/** Every Markdown file under `dir`, recursively, as paths relative to `root`. */
export function markdownFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => relative(root, join(root, dir, name)))
    .sort()
}

/** The runnable blocks of the given Markdown files. */
export function collectRunnableBlocks(root: string, files: readonly string[]): RunnableBlock[] {
  return files.flatMap((file) => runnableBlocks(file, readFileSync(join(root, file), 'utf8')))
}
