import { DEFAULT_LIMITS } from '../relay/limits'
import type { RelayLimits } from '../relay/types'
import { type FlagValue, positiveInteger, positiveNumber } from './flagValues'
import type { RelayFlag } from './relayFlagTypes'

const LIMITS_GROUP = 'Limits (per socket; over one, a message is refused with a typed reason)'

const limit = (
  flag: string,
  key: keyof RelayLimits,
  doc: string,
  read: FlagValue<number> = positiveInteger,
): RelayFlag => ({
  flag,
  key: `limits.${key}`,
  read,
  arg: '<n>',
  shown: String(DEFAULT_LIMITS[key]),
  doc,
  group: LIMITS_GROUP,
})

/** The relay's limits (and presence lifetime) as flags: `--max-ops-per-change` → `limits.maxOpsPerChange`. */
export const LIMIT_FLAGS: readonly RelayFlag[] = [
  limit('max-payload-bytes', 'maxPayloadBytes', "bytes of one message's JSON (too_large)"),
  limit('max-changes-per-push', 'maxChangesPerPush', 'changes in one push (too_large)'),
  limit('max-ops-per-change', 'maxOpsPerChange', 'ops in one change (too_large)'),
  limit('max-path-depth', 'maxPathDepth', "segments in an op's path (too_large)"),
  limit('max-value-depth', 'maxValueDepth', "nesting of an op's value (too_large)"),
  limit(
    'max-id-length',
    'maxIdLength',
    'length of a room name, client id or change id (too_large)',
  ),
  limit(
    'messages-per-second',
    'messagesPerSecond',
    'messages per second, bursts of twice that; a push counts only while another to its room is unanswered (rate_limited)',
    positiveNumber,
  ),
  limit(
    'changes-per-second',
    'changesPerSecond',
    'pushed changes per second, bursts of twice that (rate_limited)',
    positiveNumber,
  ),
  limit(
    'max-violations',
    'maxViolations',
    'refused messages in a burst (refilling one per second) before goodbye and disconnect',
  ),
  limit('max-rooms-per-socket', 'maxRoomsPerSocket', 'rooms one socket may be in (too_large)'),
  limit(
    'max-catch-up',
    'maxCatchUp',
    'changes a join or catch-up returns; further behind gets a snapshot',
  ),
  limit(
    'max-clock-ahead-ms',
    'maxClockAheadMs',
    "how far a change's timestamp may run ahead of the relay's clock (bad_request)",
  ),
  limit('max-presence-bytes', 'maxPresenceBytes', "bytes of one presence value's JSON (too_large)"),
  limit(
    'presence-per-second',
    'presencePerSecond',
    'presence updates per socket per second, bursts of twice that (rate_limited)',
  ),
  {
    flag: 'presence-ttl-ms',
    key: 'presenceTtlMs',
    read: positiveInteger,
    arg: '<n>',
    shown: '30000',
    doc: 'a presence entry without a heartbeat for this long is dropped',
    group: LIMITS_GROUP,
  },
]
