/**
 * The hash-tagged key prefix of one room, `<prefix>{<room>}`: every key of a
 * room starts with it, so each Lua script touches one slot on Redis Cluster.
 * encodeURIComponent escapes braces, so the room cannot break out of its tag.
 *
 * @example
 * ```ts
 * roomTag('patchwire:', 'todos:1') // 'patchwire:{todos%3A1}'
 * ```
 */
export function roomTag(prefix: string, room: string): string {
  return `${prefix}{${encodeURIComponent(room)}}`
}
