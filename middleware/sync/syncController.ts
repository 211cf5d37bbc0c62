/** What the middleware asks of a running mode. */
export interface SyncController {
  /**
   * Before an action runs: for a `confirmed` action, the function that turns
   * its result into the promise of the relay's verdict (only with a relay).
   */
  begin?(action: unknown): (() => Promise<unknown>) | undefined
  /** A dispatch to push: `prev` and `next` are the states around the reducer. */
  localChange(prev: unknown, next: unknown): void
  /** A dispatch that is not pushed (restore, stream, sync) changed the state. */
  externalChange(prev: unknown, next: unknown): void
  /** `setPresence` for this room (only with a relay). */
  setPresence?(value: unknown): void
  stop(): void
}
