import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

// What an app's bundler keeps of the built package for one import: esbuild, as apps use it
// (directly or through Vite), with Redux Toolkit and React left to the app.
const dist = fileURLToPath(new URL('../../dist/', import.meta.url))

async function bundle(names: string): Promise<{ code: string; packages: Set<string> }> {
  const result = await build({
    stdin: {
      contents: `import { ${names} } from './index.js'\nconsole.log(${names})`,
      resolveDir: dist,
      loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'error',
    external: ['@reduxjs/toolkit', 'react', 'react-redux', 'react-dom'],
  })
  const packages = new Set<string>()
  for (const [input, { bytesInOutput }] of Object.entries(
    Object.values(result.metafile.outputs)[0]!.inputs,
  )) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (match && bytesInOutput > 0) packages.add(match[1]!)
  }
  return { code: result.outputFiles[0]!.text, packages }
}

const bundledPackages = async (names: string) => (await bundle(names)).packages

/** The names the bundle imports from Redux Toolkit (kept external, as in an app). */
async function toolkitImports(names: string): Promise<string[]> {
  const { code } = await bundle(names)
  const found: string[] = []
  for (const m of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*"@reduxjs\/toolkit"/g)) {
    for (const part of m[1]!.split(',')) found.push(part.trim().split(/\s+as\s+/)[0]!)
  }
  return found
}

describe('tree-shaking of the built package', () => {
  it('an app importing persist bundles neither socket.io-client nor eventsource-parser', async () => {
    const packages = await bundledPackages('persist')
    expect([...packages]).not.toContain('socket.io-client')
    expect([...packages]).not.toContain('engine.io-client')
    expect([...packages]).not.toContain('eventsource-parser')
  })

  it('an app importing stream bundles eventsource-parser but not socket.io-client', async () => {
    const packages = await bundledPackages('stream')
    expect([...packages]).toContain('eventsource-parser')
    expect([...packages]).not.toContain('socket.io-client')
    expect([...packages]).not.toContain('engine.io-client')
  })

  it('an app importing sync bundles socket.io-client', async () => {
    const packages = await bundledPackages('sync')
    expect([...packages]).toContain('socket.io-client')
  })

  it('an app importing persist bundles no status slice: its status actions are plain creators', async () => {
    const imported = await toolkitImports('persist')
    expect(imported).toContain('createAction')
    expect(imported).not.toContain('createSlice')
  })

  it('an app importing stream bundles no status slice: its status actions are plain creators', async () => {
    const imported = await toolkitImports('stream')
    expect(imported).toContain('createAction')
    expect(imported).not.toContain('createSlice')
  })
})
