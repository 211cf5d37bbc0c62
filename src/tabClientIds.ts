/**
 * The client ids of a shared connection (`sync({ shareConnection: true })`),
 * shared by the sync client and the relay. The leader tab joins the relay
 * under the group id {@link TAB_GROUP}, which every user's shared connection
 * joins under too; each tab writes under its own tab id `tabs:<tab>`, so its
 * change ids read `tabs:<tab>:<counter>`. The relay never binds the group to
 * a user (many users join under it): it binds each tab id to the user who
 * first wrote under it, and refuses a change id directly under the group
 * (`tabs:<counter>`), which would name the group itself.
 */

/** The client id a shared connection joins the relay under. */
export const TAB_GROUP = 'tabs'

// A tab segment: no ':' (it would make the counter ambiguous) and no '-' (HLC separator).
const TAB = /^[A-Za-z0-9_.]+$/

/**
 * The client id of a tab in a shared connection: `tabs:<tab>`.
 *
 * @example
 * ```ts
 * tabClientId('3f2a9c0d1b7e4a55') // 'tabs:3f2a9c0d1b7e4a55'
 * ```
 */
export function tabClientId(tab: string): string {
  return `${TAB_GROUP}:${tab}`
}

/**
 * True for a client id made by {@link tabClientId}: one that can write
 * through a shared connection.
 *
 * @example
 * ```ts
 * isTabClientId('tabs:3f2a9c0d1b7e4a55') // true
 * isTabClientId('tabs') // false
 * ```
 */
export function isTabClientId(clientId: string): boolean {
  return clientId.startsWith(`${TAB_GROUP}:`) && TAB.test(clientId.slice(TAB_GROUP.length + 1))
}
