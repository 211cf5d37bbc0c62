/** What the middleware asks of a running mode. */
export interface SyncController {
  /** A dispatch to push: `prev` and `next` are the states around the reducer. */
  localChange(prev: unknown, next: unknown): void
  /** A dispatch that is not pushed (restore, stream, sync) changed the state. */
  externalChange(prev: unknown, next: unknown): void
  /** `setPresence` for this room (only with a relay). */
  setPresence?(value: unknown): void
  stop(): void
}
