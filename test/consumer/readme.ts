import { readFileSync } from 'node:fs'

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

/** The text of a `## <title>` section of the README, up to the next `## ` heading. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`)
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`)
  const end = README.indexOf('\n## ', start + 1)
  return README.slice(start, end < 0 ? undefined : end)
}

/**
 * The Install section's `npm install <packages>  # <role>` lines, as packages
 * per role label (the comment, without a leading "+ "). Throws when the section
 * or a role the tests need is missing, so README and tests cannot drift apart.
 */
export function installLines(): Map<string, string[]> {
  const roles = new Map<string, string[]>()
  const blocks = section('Install').matchAll(/```sh\n([\s\S]*?)```/g)
  for (const [, body] of blocks) {
    for (const line of body!.split('\n')) {
      const m = /^npm install ([^#]+?)\s+#\s*(?:\+\s*)?(.+)$/.exec(line)
      if (m) roles.set(m[2]!.trim(), m[1]!.trim().split(/\s+/))
    }
  }
  return roles
}

/** The packages of the Install line whose role label starts with `label`. */
export function packagesFor(label: string): string[] {
  for (const [role, packages] of installLines()) if (role.startsWith(label)) return packages
  throw new Error(`README.md's Install section has no "npm install … # ${label}" line`)
}

/** The Quick start's first ```ts block (marked runnable or not), verbatim. */
export function quickStartCode(): string {
  const block = /```ts(?: runnable)?\n([\s\S]*?)```/.exec(section('Quick start'))
  if (!block) throw new Error("README.md's Quick start has no ```ts block")
  return block[1]!
}

/** The ```ts and ```tsx blocks of a README section, verbatim, in order, each with its language. */
export function sectionCode(title: string): { lang: 'ts' | 'tsx'; code: string }[] {
  const blocks = [...section(title).matchAll(/```(tsx?)(?: runnable)?\n([\s\S]*?)```/g)]
  if (blocks.length === 0) throw new Error(`README.md's "${title}" section has no code block`)
  return blocks.map(([, lang, code]) => ({ lang: lang as 'ts' | 'tsx', code: code! }))
}
