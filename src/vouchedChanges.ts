/**
 * Lists of changes whose store-independent checks already ran where they were built:
 * the stream worker runs `checkOp` on every op of a chunk (shape, path segments,
 * JSON-only values without forbidden keys) off the main thread, then posts the changes
 * as JSON text. The text of a checked value parses back to the same plain data, so the
 * sink need not walk it again; it still applies every op against the state (missing
 * paths, indexes), refuses the status key and runs the schema gate.
 *
 * Trust lives in this module-private set, never in the data: a list is vouched for
 * only by the code that parsed it from its own worker's message (and then by the sink
 * for the action it builds from such lists alone), so an action that merely looks like
 * a worker batch (dispatched by hand, imported into DevTools, posted from another
 * window) is checked in full. Whole lists rather than each change: one entry per batch
 * keeps the set's cost out of the per-chunk path. Vouched values are not frozen, as
 * with persist's `vouchParsedJson`: nothing in patchwire writes into state it did not copy.
 */
const vouched = new WeakSet<readonly unknown[]>()

/** Vouches for a list whose every change passed `checkOp` where it was built, untouched since. */
export function vouchChecked(list: readonly unknown[]): void {
  vouched.add(list)
}

/** Whether every change of `list` was checked where it was built (see `vouchChecked`). */
export function isVouched(list: unknown): boolean {
  return Array.isArray(list) && vouched.has(list)
}
