/**
 * Where the bytes of a bundle come from: the app's imports are bundled from
 * patchwire's source (so each output byte maps back to a file through the
 * source map), every output character is attributed to the file its mapping
 * names, and files are grouped (a feature's folder, the core, each package).
 * A group's gzip share is what the whole bundle's gzip size loses when that
 * group's characters are cut out of the text: the bytes that stand between a
 * bundle and a budget, since gzip shares repeated text across groups.
 */
import { gzipSync } from 'node:zlib'
import { eachMapping, TraceMap } from '@jridgewell/trace-mapping'
import { build } from 'esbuild'

/** One group's share of a bundle. */
export interface GroupShare {
  group: string
  /** Minified characters attributed to the group's files. */
  minified: number
  /** How much smaller the whole bundle's gzip is without them. */
  gzip: number
}

export interface Breakdown {
  minified: number
  gzip: number
  groups: GroupShare[]
}

/** The group of a source file: a package, a feature folder, or a core folder. */
export function groupOf(source: string | null): string {
  if (source === null) return '(bundler runtime)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)
  if (pkg) return `package ${pkg[1]}`
  const feature = /(?:^|\/)middleware\/(persist|stream|sync)\//.exec(source)
  if (feature) return `middleware/${feature[1]}/`
  if (/(?:^|\/)middleware\/[^/]+$/.test(source)) return 'middleware/*.ts (the shared middleware)'
  const slice = /(?:^|\/)slices\//.exec(source)
  if (slice) return 'slices/ (status slice)'
  const core = /(?:^|\/)src\/([^/]+)$/.exec(source)
  if (core) return `src/${core[1]}`
  return source
}

/**
 * Bundles `code` (imports resolved from `resolveDir`) minified for the browser,
 * with `external` left out, and attributes its bytes to groups, largest gzip share first.
 */
export async function breakDown(
  code: string,
  resolveDir: string,
  external: string[],
  group: (source: string | null) => string = groupOf,
): Promise<Breakdown> {
  const result = await build({
    stdin: { contents: code, resolveDir, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    sourcemap: 'external',
    outfile: 'out.js',
    logLevel: 'error',
    external,
  })
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text
  const mapFile = result.outputFiles.find((f) => f.path.endsWith('.map'))!.text
  const map = new TraceMap(mapFile)
  // Offsets of each line's start, to turn (line, column) into a character offset.
  const lineStart = [0]
  for (let i = 0; i < js.length; i++) if (js[i] === '\n') lineStart.push(i + 1)
  const marks: { at: number; group: string }[] = []
  eachMapping(map, (m) => {
    const at = (lineStart[m.generatedLine - 1] ?? 0) + m.generatedColumn
    marks.push({ at, group: group(m.source) })
  })
  marks.sort((a, b) => a.at - b.at)
  // Each character belongs to the mapping at or before it; the text before the first has none.
  const owner: string[] = new Array(js.length)
  let k = -1
  for (let i = 0; i < js.length; i++) {
    while (k + 1 < marks.length && marks[k + 1]!.at <= i) k++
    owner[i] = k < 0 ? '(bundler runtime)' : marks[k]!.group
  }
  const gzip = (text: string) => gzipSync(text, { level: 9 }).length
  const whole = gzip(js)
  const sizes = new Map<string, number>()
  for (const g of owner) sizes.set(g, (sizes.get(g) ?? 0) + 1)
  const groups: GroupShare[] = []
  for (const [name, minified] of sizes) {
    let rest = ''
    for (let i = 0; i < js.length; i++) if (owner[i] !== name) rest += js[i]
    groups.push({ group: name, minified, gzip: whole - gzip(rest) })
  }
  groups.sort((a, b) => b.gzip - a.gzip)
  return { minified: js.length, gzip: whole, groups }
}
