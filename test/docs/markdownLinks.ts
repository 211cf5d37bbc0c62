import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'

/** A relative link of a Markdown file: where it points, and where it is written. */
export interface MarkdownLink {
  file: string
  line: number
  target: string
}

// Inline links and images: [text](target) / ![alt](target). Code spans and fenced
// blocks are skipped by the caller, so `[a](b)` in an example is not a link.
const LINK = /!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g

/** The text of a Markdown file without its fenced code blocks and code spans. */
function prose(text: string): string[] {
  let fenced = false
  return text.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced
      return ''
    }
    return fenced ? '' : line.replace(/`[^`]*`/g, '')
  })
}

/** Every link of `file` (relative to `root`) that points inside the repository. */
export function relativeLinks(root: string, file: string): MarkdownLink[] {
  const links: MarkdownLink[] = []
  prose(readFileSync(join(root, file), 'utf8')).forEach((line, index) => {
    for (const match of line.matchAll(LINK)) {
      const target = match[1]!
      if (/^[a-z]+:/i.test(target)) continue
      links.push({ file, line: index + 1, target })
    }
  })
  return links
}

/**
 * The anchors the code host gives a Markdown file's headings (lowercase, punctuation
 * dropped, spaces as hyphens, repeats numbered), plus explicit `<a id="…">` anchors.
 */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of prose(text.replace(/`([^`]*)`/g, '$1'))) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line)
    if (heading) {
      const slug = heading[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-')
      const count = seen.get(slug) ?? 0
      seen.set(slug, count + 1)
      anchors.add(count === 0 ? slug : `${slug}-${count}`)
    }
    for (const id of line.matchAll(/<a id="([^"]+)"/g)) anchors.add(id[1]!)
  }
  return anchors
}

/** Why `link` does not resolve (a missing file or anchor), or `null` when it does. */
export function brokenReason(root: string, link: MarkdownLink): string | null {
  const [path = '', anchor] = link.target.split('#')
  const file = path === '' ? link.file : normalize(join(dirname(link.file), path))
  if (!existsSync(join(root, file))) return `${file} does not exist`
  if (anchor === undefined || !file.endsWith('.md')) return null
  const anchors = anchorsOf(readFileSync(join(root, file), 'utf8'))
  return anchors.has(decodeURIComponent(anchor)) ? null : `${file} has no heading #${anchor}`
}
