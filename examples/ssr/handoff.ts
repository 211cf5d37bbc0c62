import type { z } from 'zod'
import type { SsrPageState } from '../shared/schemas'

// Shared by the server render and the browser bundle; nothing here may import
// patchwire or browser APIs, so the example server can load it as it is.

/** The relay room the server-rendered page syncs. */
export const SSR_ROOM = 'chat:ssr'

/** The global the page's inline script sets before the bundle runs. */
export const HANDOFF_GLOBAL = '__PATCHWIRE_SSR__'

/** The synced and streamed state the page was rendered from. */
export type SsrState = Pick<z.infer<typeof SsrPageState>, 'chat' | 'metrics'>

/**
 * What the server embeds in the page: the state it rendered (the store's
 * preloaded state), the room's sequence at that state, and the metrics
 * stream's cursor (the last tick rendered).
 */
export interface SsrHandoff {
  state: SsrState
  seq: number
  cursor: string
}

/**
 * `value` as JSON that is safe inside an inline `<script>`: `<` is escaped so
 * a message containing `</script>` or `<!--` cannot end or bend the script,
 * and U+2028/U+2029 are escaped for older JavaScript parsers.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}
