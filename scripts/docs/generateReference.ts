import { rmSync } from 'node:fs'
import { Application, TSConfigReader, TypeDocReader } from 'typedoc'
import { fillOptionDefaults } from './optionDefaults'
import { formatRelayFlagTable, replaceFlagTable } from './relayFlagTable'

/** Where the generated API reference is committed. */
export const API_REFERENCE_DIR = 'docs/reference/api'
/** The hand-written CLI reference that holds the generated flag table. */
export const RELAY_CLI_REFERENCE = 'docs/reference/relay-cli.md'

/**
 * Writes the API reference (TypeDoc + typedoc-plugin-markdown, configured in
 * typedoc.json) into `outDir`, replacing what was there. Throws when TypeDoc
 * reports an error, so a broken TSDoc link fails `npm run docs` and its test.
 */
export async function generateApiReference(outDir: string): Promise<void> {
  rmSync(outDir, { recursive: true, force: true })
  const app = await Application.bootstrapWithPlugins({ options: 'typedoc.json', out: outDir }, [
    new TypeDocReader(),
    new TSConfigReader(),
  ])
  fillOptionDefaults(app)
  const project = await app.convert()
  if (!project || app.logger.hasErrors())
    throw new Error('TypeDoc could not convert the entry points')
  await app.generateOutputs(project)
  if (app.logger.hasErrors()) throw new Error('TypeDoc could not write the reference')
}

/** The relay CLI reference with its flag table regenerated from `RELAY_FLAGS`. */
export function regenerateRelayCliReference(text: string): string {
  return replaceFlagTable(text, formatRelayFlagTable())
}
