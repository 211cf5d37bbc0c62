/**
 * The Lua scripts of the Redis relay store. Each runs atomically inside Redis,
 * which is what lets several relay nodes share one room: the sequence check
 * and the write cannot interleave with another node's.
 *
 * Keys of one room share the hash tag `{<room>}`, so the scripts also stay
 * within one slot on Redis Cluster.
 */

/**
 * Conditional append of one or more consecutive changes, all or none.
 *
 * KEYS: head, log, ids, last
 * ARGV: expectedSeq, count, then per change: id, client, counter, digest, change JSON
 *
 * The id map holds `<seq>` or `<seq> <digest>` per id.
 *
 * Returns `{1, head}` when appended, `{0, head}` when the head moved (another
 * node appended first), `{2, seq, head}` when one of the ids is already in the
 * log (a client re-sent it to another node while the first one was still
 * appending): nothing is written then either.
 */
export const APPEND_SCRIPT = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = tonumber(ARGV[2])
for i = 0, n - 1 do
  local known = redis.call('HGET', KEYS[3], ARGV[3 + i * 5])
  if known then return {2, tonumber(string.match(known, '^%d+')), cur} end
end
if cur ~= tonumber(ARGV[1]) then return {0, cur} end
for i = 0, n - 1 do
  local seq = cur + 1 + i
  local id, client, counter = ARGV[3 + i * 5], ARGV[4 + i * 5], ARGV[5 + i * 5]
  local digest, body = ARGV[6 + i * 5], ARGV[7 + i * 5]
  redis.call('XADD', KEYS[2], seq .. '-0', 'i', id, 'k', client, 'n', counter, 'c', body)
  if digest ~= '' then
    redis.call('HSET', KEYS[3], id, seq .. ' ' .. digest)
  else
    redis.call('HSET', KEYS[3], id, seq)
  end
  if client ~= '' then
    local prev = redis.call('HGET', KEYS[4], client)
    local prevCounter = -1
    if prev then prevCounter = tonumber(string.match(prev, '^(%d+):')) end
    if tonumber(counter) > prevCounter then
      redis.call('HSET', KEYS[4], client, counter .. ':' .. seq)
    end
  end
end
redis.call('SET', KEYS[1], cur + n)
return {1, cur + n}
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

/**
 * `APPEND_SCRIPT` behind a fencing check: the append happens only while the
 * room's lease (see `redisLease.ts`) holds the token the writer carries, so a
 * relay node that lost the room (paused past its lease, cut off from Redis
 * while another node took over) can never append, whatever it believes.
 *
 * KEYS: head, log, ids, last, lease
 * ARGV: as `APPEND_SCRIPT`, then the token as the last argument
 *
 * Returns `{3, head}` when the lease is gone or holds another token, else
 * what `APPEND_SCRIPT` returns.
 */
export const FENCED_APPEND_SCRIPT = `
local lease = redis.call('GET', KEYS[5])
if not lease or string.match(lease, '^%d+') ~= ARGV[#ARGV] then
  return {3, tonumber(redis.call('GET', KEYS[1]) or '0')}
end
${APPEND_SCRIPT}`

/**
 * Adds a room version and drops the oldest beyond the newest `keep`.
 *
 * KEYS: versions (list of ids, oldest first), versions:meta (id → listing
 * JSON), versions:state (id → state JSON)
 * ARGV: id, listing JSON, state JSON, keep
 */
export const ADD_VERSION_SCRIPT = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
local keep = tonumber(ARGV[4])
while redis.call('LLEN', KEYS[1]) > keep do
  local gone = redis.call('LPOP', KEYS[1])
  redis.call('HDEL', KEYS[2], gone)
  redis.call('HDEL', KEYS[3], gone)
end
return 1
`
