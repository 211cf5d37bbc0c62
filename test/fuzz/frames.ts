import fc from 'fast-check'
import { formatHlc } from '../../src/hlc'
import {
  binaryValue,
  deepValue,
  FORBIDDEN_KEYS,
  forbiddenDeep,
  hugeValue,
  nastyValue,
  trickyNumbers,
  trickyStrings,
  withOwnKey,
} from './nastyValues'

/** The events the relay handles, each with an acknowledgement. */
export const RELAY_EVENTS = ['join', 'leave', 'push', 'catchUp', 'presence:set'] as const
export type RelayEvent = (typeof RELAY_EVENTS)[number]

/** A room the driver replaces with another fuzzer socket's id (see `aimAtPeer`). */
export const PEER_ROOM = '$peer'

/** A client id the driver replaces with the sending socket's own (see `aim`). */
export const SELF_CLIENT = '$me'

/** One thing the fuzzer sends on a socket. */
export type Frame =
  | {
      kind: 'emit'
      event: string
      /** The arguments before the acknowledgement. */
      args: unknown[]
      /** `function`: an ack callback; `none`: no ack; `value`: a last argument that is not a function. */
      ack: 'function' | 'none' | 'value'
      ackValue?: unknown
      /** Disconnect right after sending, before the answer arrives. */
      disconnect: boolean
    }
  /** A frame written straight to the Engine.IO connection, past socket.io-client's encoder. */
  | { kind: 'raw'; packet: string }
  /** The last frames of this socket again (duplicate ids, replays). */
  | { kind: 'replay'; back: number }

/** Where the fuzzer may aim. */
export interface FrameTargets {
  /** Rooms pushes go to. */
  pushRooms: readonly string[]
  /** Rooms joins, leaves, catch-ups and presence go to (a superset). */
  readRooms: readonly string[]
  /** Client ids to join with and write under. */
  clientIds: readonly string[]
}

const wall = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5000, max: 1000 }).map((d) => Date.now() + d) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, Date.now() + 3_600_000, 999_999_999_999_999) },
)

const hlc = fc
  .tuple(
    wall,
    fc.integer({ min: 0, max: 50 }),
    fc.oneof(fc.constantFrom('f0', 'h0', 'n'), trickyStrings),
  )
  .map(([w, counter, node]) => formatHlc({ wall: w, counter, node }))

const timestamp: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: hlc },
  { weight: 1, arbitrary: fc.constantFrom('yesterday', '', '000000000000000-000000-', '1-1-1') },
  { weight: 1, arbitrary: nastyValue },
)

const segment: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c', 'items', 'doc', 'x~y', 'a/b') },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 2, arbitrary: fc.constant('-') },
  { weight: 2, arbitrary: fc.constantFrom(...FORBIDDEN_KEYS) },
  { weight: 1, arbitrary: trickyStrings },
  { weight: 1, arbitrary: trickyNumbers },
)

const escapeSegment = (s: unknown): string => String(s).replace(/~/g, '~0').replace(/\//g, '~1')

const path: fc.Arbitrary<unknown> = fc.oneof(
  // Mostly top-level and shallow: an op under a parent the room lacks is refused, and
  // changes that apply are what grow the room's state and clocks.
  { weight: 6, arbitrary: fc.array(segment, { minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.array(segment, { minLength: 2, maxLength: 4 }) },
  {
    weight: 3,
    arbitrary: fc
      .array(segment, { minLength: 1, maxLength: 4 })
      .map((segs) => segs.map((s) => `/${escapeSegment(s)}`).join('')),
  },
  {
    weight: 1,
    arbitrary: fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
  },
  { weight: 1, arbitrary: fc.array(fc.constant('a'), { minLength: 9, maxLength: 40 }) },
  { weight: 1, arbitrary: nastyValue },
)

const opValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: forbiddenDeep },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: binaryValue },
  { weight: 1, arbitrary: nastyValue },
)

const op: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 9,
    // A value is left out only by a mutation or for a remove (which ignores it).
    arbitrary: fc.record({
      op: fc.constantFrom('add', 'add', 'replace', 'remove'),
      path,
      value: opValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.oneof(fc.constantFrom('move', 'copy', 'test'), nastyValue),
      path,
      value: opValue,
    }),
  },
  { weight: 1, arbitrary: nastyValue },
)

const changeId = (clientIds: readonly string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => `${SELF_CLIENT}:${n}`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...clientIds), fc.integer({ min: 0, max: 6 }))
        .map(([c, n]) => `${c}:${n}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...clientIds), trickyStrings)
        .map(([c, tail]) => `${c}:${tail}`),
    },
    { weight: 1, arbitrary: fc.oneof(trickyStrings, nastyValue) },
  )

const change = (t: FrameTargets): fc.Arbitrary<unknown> =>
  fc
    .record(
      {
        id: changeId(t.clientIds),
        ts: timestamp,
        ops: fc.oneof(
          { weight: 9, arbitrary: fc.array(op, { minLength: 1, maxLength: 2 }) },
          { weight: 1, arbitrary: fc.array(op, { minLength: 3, maxLength: 8 }) },
          { weight: 1, arbitrary: fc.oneof(fc.constant([]), nastyValue) },
        ),
        // Forged fields the relay must assign itself.
        seq: trickyNumbers,
        origin: fc.oneof(fc.constantFrom(...t.clientIds), trickyStrings),
        room: fc.constantFrom(...t.readRooms),
      },
      { requiredKeys: ['id', 'ts', 'ops'] },
    )
    .map((c) => c as unknown)

const room = (rooms: readonly string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...rooms) },
    { weight: 1, arbitrary: nastyValue },
  )

const seq: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 60 }) },
  { weight: 1, arbitrary: nastyValue },
)

/** A well-formed or nearly well-formed request for each event. */
const requests = (t: FrameTargets): Record<RelayEvent, fc.Arbitrary<unknown>> => ({
  join: fc.record(
    {
      room: room(t.readRooms),
      clientId: fc.oneof(
        { weight: 6, arbitrary: fc.constant(SELF_CLIENT) },
        { weight: 2, arbitrary: fc.constantFrom(...t.clientIds) },
        { weight: 1, arbitrary: trickyStrings },
      ),
      schemaVersion: fc.oneof(fc.constantFrom<unknown>(1, '1', '1.4', 2, '2.0', ''), nastyValue),
      since: seq,
      // Mostly a boolean, as clients send it; sometimes anything at all.
      frames: fc.oneof(
        { weight: 4, arbitrary: fc.boolean() },
        { weight: 1, arbitrary: nastyValue },
      ),
    },
    { requiredKeys: ['room', 'clientId', 'schemaVersion'] },
  ),
  leave: fc.record({ room: room(t.readRooms) }, { requiredKeys: [] }),
  catchUp: fc.record(
    { room: room(t.readRooms), since: seq, until: seq },
    { requiredKeys: ['room', 'since'] },
  ),
  push: fc.record({
    room: room(t.pushRooms),
    changes: fc.oneof(
      { weight: 9, arbitrary: fc.array(change(t), { minLength: 0, maxLength: 5 }) },
      {
        weight: 1,
        arbitrary: fc.oneof(fc.array(change(t), { minLength: 90, maxLength: 120 }), nastyValue),
      },
    ),
  }),
  'presence:set': fc.record({
    room: room(t.readRooms),
    value: fc.oneof(
      { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
      { weight: 1, arbitrary: nastyValue },
    ),
  }),
})

/** Replaces, removes or adds something somewhere inside `value`. */
function mutate(
  value: unknown,
  picks: readonly { at: number; how: number; with: unknown }[],
): unknown {
  let root = structuredCloneSafe(value)
  for (const pick of picks) {
    const spots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = []
    const walk = (v: unknown, depth: number): void => {
      if (
        depth > 6 ||
        v === null ||
        typeof v !== 'object' ||
        Buffer.isBuffer(v) ||
        ArrayBuffer.isView(v)
      )
        return
      for (const [k, child] of Object.entries(v)) {
        spots.push({ parent: v as Record<string, unknown>, key: Array.isArray(v) ? Number(k) : k })
        walk(child, depth + 1)
      }
    }
    walk(root, 0)
    if (spots.length === 0) {
      root = pick.with
      continue
    }
    const spot = spots[pick.at % spots.length]!
    const parent = spot.parent as Record<string | number, unknown>
    switch (pick.how % 4) {
      case 0:
        parent[spot.key] = pick.with
        break
      case 1:
        if (Array.isArray(parent)) parent.splice(spot.key as number, 1)
        else delete parent[spot.key]
        break
      case 2:
        // An own forbidden key beside the others, as a parsed message would carry it.
        parent[spot.key] = Object.assign(withOwnKey(FORBIDDEN_KEYS[pick.at % 3]!, pick.with), {
          v: parent[spot.key],
        })
        break
      default:
        parent[spot.key] = [parent[spot.key], parent[spot.key]]
    }
  }
  return root
}

/**
 * A copy of the part `mutate` may change (its first levels), keeping own
 * `__proto__` keys; deeper parts and binary values are shared.
 */
function structuredCloneSafe(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value
  if (Array.isArray(value)) return value.map((v) => structuredCloneSafe(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, {
      value: structuredCloneSafe(v, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

const mutations = fc.array(fc.record({ at: fc.nat(), how: fc.nat(), with: nastyValue }), {
  minLength: 1,
  maxLength: 3,
})

/** Per event: its request as it should be, mutated, or anything at all. */
const payloads = (t: FrameTargets): ((event: string) => fc.Arbitrary<unknown>) => {
  const valid: Record<string, fc.Arbitrary<unknown>> = requests(t)
  const build = (request: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
    fc.oneof(
      { weight: 10, arbitrary: request },
      { weight: 8, arbitrary: fc.tuple(request, mutations).map(([v, m]) => mutate(v, m)) },
      { weight: 2, arbitrary: nastyValue },
      // Rare: every one costs the relay (and the machine) a large message.
      {
        weight: 1,
        arbitrary: fc
          .tuple(request, fc.nat(), hugeValue)
          .map(([v, at, huge]) => mutate(v, [{ at, how: 0, with: huge }])),
      },
    )
  const built = new Map(RELAY_EVENTS.map((e) => [e as string, build(valid[e]!)]))
  const other = build(fc.jsonValue({ maxDepth: 2 }))
  return (event) => built.get(event) ?? other
}

const eventName: fc.Arbitrary<string> = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...RELAY_EVENTS) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom(
        'change',
        'changes',
        'goodbye',
        'presence',
        'error',
        'message',
        'toString',
        'hasOwnProperty',
        '__proto__',
        'constructor',
        'join ',
      ),
      trickyStrings.filter(
        (s) =>
          ![
            'connect',
            'connect_error',
            'disconnect',
            'disconnecting',
            'newListener',
            'removeListener',
          ].includes(s),
      ),
    ),
  },
)

const emitFrame = (t: FrameTargets): fc.Arbitrary<Frame> => {
  const payload = payloads(t)
  return eventName.chain((event) =>
    fc.record({
      kind: fc.constant('emit' as const),
      event: fc.constant(event),
      args: fc.oneof(
        { weight: 20, arbitrary: payload(event).map((p) => [p]) },
        { weight: 1, arbitrary: fc.constant<unknown[]>([]) },
        { weight: 1, arbitrary: fc.tuple(payload(event), nastyValue).map((a) => [...a]) },
      ),
      ack: fc.oneof(
        { weight: 18, arbitrary: fc.constant('function' as const) },
        { weight: 1, arbitrary: fc.constant('none' as const) },
        { weight: 1, arbitrary: fc.constant('value' as const) },
      ),
      ackValue: nastyValue.filter((v) => v !== undefined),
      disconnect: fc.oneof(
        { weight: 200, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
    }),
  )
}

// Socket.IO packet types: 2 event, 3 ack, 5 binary event; the digits after are an ack id,
// far above the ids socket.io-client gives its own callbacks, so no answer is taken for another's.
const rawFrame: fc.Arbitrary<Frame> = fc
  .oneof(
    fc.constantFrom(
      '4',
      '42',
      '42[',
      '42{}',
      '42["join"]',
      '42900000001["push",{"room":1}]',
      '43',
      '4399["x"]',
      '45-',
      '451-900000002["push",{"_placeholder":true,"num":0}]',
      '40',
      '41',
      '44',
    ),
    fc
      .tuple(fc.constantFrom('42', '421', '43', '45'), fc.json({ maxDepth: 2 }))
      .map(([p, j]) => p + j),
  )
  .map((packet) => ({ kind: 'raw' as const, packet }))

/** The fuzzer's frames: mostly events the relay handles, some raw packets and replays. */
export const frameArbitrary = (t: FrameTargets): fc.Arbitrary<Frame> =>
  fc.oneof(
    { weight: 150, arbitrary: emitFrame(t) },
    { weight: 1, arbitrary: rawFrame },
    {
      weight: 2,
      arbitrary: fc.integer({ min: 1, max: 8 }).map((back) => ({ kind: 'replay' as const, back })),
    },
  )
