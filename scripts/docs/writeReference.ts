// `npm run docs`: regenerates the committed reference (the API pages and the
// relay CLI's flag table); test/docs/reference.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import {
  API_REFERENCE_DIR,
  generateApiReference,
  RELAY_CLI_REFERENCE,
  regenerateRelayCliReference,
} from './generateReference'

await generateApiReference(API_REFERENCE_DIR)
writeFileSync(
  RELAY_CLI_REFERENCE,
  regenerateRelayCliReference(readFileSync(RELAY_CLI_REFERENCE, 'utf8')),
)
