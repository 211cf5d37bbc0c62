import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { ENTRIES } from './pinnedSurface'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Every name each entry exports, read by the TypeScript checker: values and types apart. */
function exportsByChecker(): Map<string, { values: string[]; types: string[] }> {
  const files = ENTRIES.map((e) => join(root, e.file))
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    jsx: ts.JsxEmit.ReactJSX,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  })
  const checker = program.getTypeChecker()
  const found = new Map<string, { values: string[]; types: string[] }>()
  for (const entry of ENTRIES) {
    const source = program.getSourceFile(join(root, entry.file))
    const module = source && checker.getSymbolAtLocation(source)
    if (!module) throw new Error(`${entry.file} is not a module`)
    const values: string[] = []
    const types: string[] = []
    for (const symbol of checker.getExportsOfModule(module)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
      ;(target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name)
    }
    found.set(entry.entry, { values: values.sort(), types: types.sort() })
  }
  return found
}

/** The README and every Markdown file under docs/, where the public names are taught. */
function docsText(): string {
  const parts = [readFileSync(join(root, 'README.md'), 'utf8')]
  const walk = (dir: string) => {
    for (const item of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, item.name)
      if (item.isDirectory()) walk(path)
      else if (item.name.endsWith('.md')) parts.push(readFileSync(path, 'utf8'))
    }
  }
  if (existsSync(join(root, 'docs'))) walk(join(root, 'docs'))
  return parts.join('\n')
}

const byChecker = exportsByChecker()

describe('the public surface', () => {
  for (const entry of ENTRIES) {
    it(`${entry.entry} exports exactly its pinned runtime values`, async () => {
      expect(Object.keys(await entry.load()).sort()).toEqual([...entry.values].sort())
    })

    it(`${entry.entry} exports exactly its pinned names, values and types apart`, () => {
      expect(byChecker.get(entry.entry)).toEqual({
        values: [...entry.values].sort(),
        types: [...entry.types].sort(),
      })
    })

    it(`${entry.entry} exports by explicit name from the files that define them (one barrel level)`, () => {
      const text = readFileSync(join(root, entry.file), 'utf8')
      expect(text).not.toMatch(/export \*/)
      const reexported = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string)
      expect(reexported.filter((from) => /(^|\/)index$/.test(from))).toEqual([])
    })
  }

  it('pins every entry of the package.json exports map', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>
    }
    const entries = Object.keys(pkg.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? 'patchwire' : `patchwire/${key.slice(2)}`))
    expect(entries.sort()).toEqual(ENTRIES.map((e) => e.entry).sort())
  })

  it('teaches every exported name in the README or docs/', () => {
    const text = docsText()
    const names = new Set(ENTRIES.flatMap((e) => [...e.values, ...e.types]))
    const untaught = [...names].filter((name) => !new RegExp(`\`${name}\\b`).test(text))
    expect(untaught).toEqual([])
  })
})
