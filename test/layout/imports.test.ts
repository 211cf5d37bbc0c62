import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

// The import graph of the library's source, type-only imports included: a
// circle of types still ties two files together, and a contract imported
// from an implementation file drags that file's neighbours along.
const root = resolve(__dirname, '../..')
const FOLDERS = ['src', 'slices', 'middleware', 'server']

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

function resolveImport(from: string, spec: string, known: Set<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined
  const base = join(dirname(from), spec)
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (known.has(candidate)) return candidate
  }
  return undefined
}

function importGraph(): Map<string, string[]> {
  const files = FOLDERS.flatMap(sourceFiles)
  const known = new Set(files)
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8')
    const info = ts.preProcessFile(text, true, true)
    const targets = info.importedFiles
      .map((ref) => resolveImport(file, ref.fileName, known))
      .filter((target): target is string => target !== undefined)
    graph.set(file, [...new Set(targets)])
  }
  return graph
}

/** Every circle in the graph, each as the files around it (Tarjan's strongly connected components). */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0
  const order = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (node: string) => {
    order.set(node, index)
    low.set(node, index)
    index++
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!order.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, order.get(next)!))
    }
    if (low.get(node) !== order.get(node)) return
    const component: string[] = []
    let member: string | undefined
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort())
  }
  for (const node of graph.keys()) if (!order.has(node)) visit(node)
  return found
}

const floorOf = (file: string) => file.split('/')[0]!

describe('the import graph of the source', () => {
  const graph = importGraph()

  it('holds no import circle in the client code, type-only imports included', () => {
    const client = new Map([...graph].filter(([file]) => floorOf(file) !== 'server'))
    expect(circles(client)).toEqual([])
  })

  it('keeps the core free of middleware, slices and server code, its entry points aside', () => {
    const upward = [...graph]
      // The package barrel re-exports the middlewares; the React entry reads the status slice.
      .filter(
        ([file]) =>
          floorOf(file) === 'src' && file !== 'src/index.ts' && !file.startsWith('src/react/'),
      )
      .flatMap(([file, targets]) =>
        targets.filter((t) => floorOf(t) !== 'src').map((t) => `${file} → ${t}`),
      )
    expect(upward).toEqual([])
  })

  it('never lets browser code import the server', () => {
    const intoServer = [...graph]
      .filter(([file]) => floorOf(file) !== 'server')
      .flatMap(([file, targets]) =>
        targets.filter((t) => floorOf(t) === 'server').map((t) => `${file} → ${t}`),
      )
    expect(intoServer).toEqual([])
  })
})
