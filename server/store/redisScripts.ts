/**
 * The Lua scripts of the Redis relay store. Each runs atomically inside Redis,
 * which is what lets several relay nodes share one room: the sequence check
 * and the write cannot interleave with another node's.
 *
 * Keys of one room share the hash tag `{<room>}`, so the scripts also stay
 * within one slot on Redis Cluster.
 */

/**
 * Conditional append.
 *
 * KEYS: head, log, ids, last
 * ARGV: expectedSeq, seq, id, change JSON, client, counter
 *
 * Returns `{1, seq}` when appended, `{0, head}` when the head moved (another
 * node appended first), `{2, seq, head}` when the id is already in the log (a client
 * re-sent it to another node while the first one was still appending; the
 * third element is the head).
 */
export const APPEND_SCRIPT = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local known = redis.call('HGET', KEYS[3], ARGV[3])
if known then return {2, tonumber(known), cur} end
if cur ~= tonumber(ARGV[1]) then return {0, cur} end
redis.call('XADD', KEYS[2], ARGV[2] .. '-0', 'i', ARGV[3], 'k', ARGV[5], 'n', ARGV[6], 'c', ARGV[4])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[2])
if ARGV[5] ~= '' then
  local prev = redis.call('HGET', KEYS[4], ARGV[5])
  local prevCounter = -1
  if prev then prevCounter = tonumber(string.match(prev, '^(%d+):')) end
  if tonumber(ARGV[6]) > prevCounter then
    redis.call('HSET', KEYS[4], ARGV[5], ARGV[6] .. ':' .. ARGV[2])
  end
end
return {1, tonumber(ARGV[2])}
`

/**
 * Reads the log after a sequence, or tells that compaction removed part of it.
 *
 * KEYS: floor, log
 * ARGV: after, limit (0 = no limit)
 *
 * Returns `false` (nil) when `after` is below the compaction floor, else the
 * flat XRANGE reply.
 */
export const SINCE_SCRIPT = `
local floor = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) < floor then return false end
local from = (tonumber(ARGV[1]) + 1) .. '-0'
if tonumber(ARGV[2]) > 0 then
  return redis.call('XRANGE', KEYS[2], from, '+', 'COUNT', ARGV[2])
end
return redis.call('XRANGE', KEYS[2], from, '+')
`

/**
 * Keeps a snapshot unless a newer or equal one is stored.
 *
 * KEYS: snap
 * ARGV: seq, state JSON, clocks JSON
 */
export const WRITE_SNAPSHOT_SCRIPT = `
local stored = redis.call('HGET', KEYS[1], 'seq')
if stored and tonumber(stored) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'state', ARGV[2], 'clocks', ARGV[3])
return 1
`

/**
 * Drops log entries up to a sequence, with their id records, and raises the floor.
 *
 * KEYS: floor, log, ids, head, gone
 * ARGV: through
 *
 * The ids of compacted entries leave the id map; \`gone\` keeps, per client,
 * the greatest counter compacted away, which is what \`applied\` falls back to
 * for an id older than the log.
 */
export const COMPACT_SCRIPT = `
local floor = tonumber(redis.call('GET', KEYS[1]) or '0')
local head = tonumber(redis.call('GET', KEYS[4]) or '0')
local through = math.min(tonumber(ARGV[1]), head)
if through <= floor then return floor end
local entries = redis.call('XRANGE', KEYS[2], (floor + 1) .. '-0', through .. '-0')
for _, entry in ipairs(entries) do
  local f = {}
  local fields = entry[2]
  for i = 1, #fields, 2 do f[fields[i]] = fields[i + 1] end
  if f.i then redis.call('HDEL', KEYS[3], f.i) end
  if f.k and f.k ~= '' then
    local prev = tonumber(redis.call('HGET', KEYS[5], f.k) or '-1')
    if tonumber(f.n) > prev then redis.call('HSET', KEYS[5], f.k, f.n) end
  end
end
redis.call('XTRIM', KEYS[2], 'MINID', (through + 1) .. '-0')
redis.call('SET', KEYS[1], through)
return through
`
