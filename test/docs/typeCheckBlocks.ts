import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import type { RunnableBlock } from './markdownBlocks'

/**
 * Where each subpath of the package resolves: the entry files the build turns
 * into dist/ (tsup.config.ts), so a block imports `patchwire/server` exactly as
 * an app does and sees the same exported names.
 */
export const PACKAGE_ENTRIES: Readonly<Record<string, string>> = {
  patchwire: 'src/index.ts',
  'patchwire/middleware': 'middleware/index.ts',
  'patchwire/slices': 'slices/index.ts',
  'patchwire/react': 'src/react/index.ts',
  'patchwire/stream-worker': 'middleware/stream/worker/streamWorker.ts',
  'patchwire/server': 'server/index.ts',
}

/** The subpaths `package.json` exports, as import specifiers (`patchwire/server`). */
export function exportedSpecifiers(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string
    exports: Record<string, unknown>
  }
  return Object.keys(pkg.exports)
    .filter((subpath) => !subpath.endsWith('.json'))
    .map((subpath) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`))
}

/**
 * What an app's strict tsconfig would say. `moduleDetection: force` makes each
 * block a module of its own even without imports, so blocks never share names.
 */
function compilerOptions(root: string): ts.CompilerOptions {
  return {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    moduleDetection: ts.ModuleDetectionKind.Force,
    jsx: ts.JsxEmit.ReactJSX,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: root,
    paths: Object.fromEntries(
      Object.entries(PACKAGE_ENTRIES).map(([name, file]) => [name, [file]]),
    ),
  }
}

/** A block's virtual file: inside the repository, so `node_modules` resolves as for an app. */
export function blockFileName(root: string, block: RunnableBlock, index: number): string {
  return join(
    root,
    '.docs-blocks',
    `${index}-${block.file.replaceAll('/', '_')}-${block.line}.${block.lang}`,
  )
}

/**
 * Type-checks every block in one program (the package's sources are read once)
 * and returns the diagnostics of each block's own file, formatted with the
 * Markdown file and line they come from.
 */
export function typeCheckBlocks(root: string, blocks: readonly RunnableBlock[]): string[][] {
  const options = compilerOptions(root)
  const virtual = new Map(blocks.map((block, i) => [blockFileName(root, block, i), block.code]))
  const host = ts.createCompilerHost(options)
  const readFile = host.readFile.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.fileExists = (name) => virtual.has(name) || ts.sys.fileExists(name)
  host.readFile = (name) => virtual.get(name) ?? readFile(name)
  host.getSourceFile = (name, language, onError, create) => {
    const code = virtual.get(name)
    return code === undefined
      ? getSourceFile(name, language, onError, create)
      : ts.createSourceFile(name, code, language, true)
  }
  const program = ts.createProgram([...virtual.keys()], options, host)
  return blocks.map((block, i) => {
    const file = program.getSourceFile(blockFileName(root, block, i))
    if (!file) return [`${block.file}:${block.line}: not compiled`]
    const diagnostics = [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ]
    return diagnostics.map((d) => {
      const at = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line
      // +1 for the fence line, +1 for 1-based lines.
      return `${block.file}:${block.line + at + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
  })
}
