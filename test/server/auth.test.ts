import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { jwtAuth } from '../../server/auth/jwtAuth'
import { roomsClaimAllows } from '../../server/auth/roomsClaimAllows'
import { sqliteStore } from '../../server/store/sqliteStore'
import { ask, askRaw, startRelay, ts } from './helpers'

const SECRET = 'test-secret-that-is-long-enough-for-hs256'
const key = new TextEncoder().encode(SECRET)
const T0 = Date.now()

const token = (claims: Record<string, unknown>, expiresIn: string | number = '1h', secret = key) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .setAudience('patchwire')
    .sign(secret)

type Started = Awaited<ReturnType<typeof startRelay>>
let relay: Started
const boot = async (file?: string, clockToleranceSeconds?: number) => {
  relay = await startRelay({
    authenticate: jwtAuth({
      secret: SECRET,
      audience: 'patchwire',
      ...(clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds }),
    }),
    ...(file ? { store: sqliteStore({ file }) } : {}),
  })
  return relay
}
const dir = mkdtempSync(join(tmpdir(), 'patchwire-auth-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(async () => {
  await relay.stop()
})

describe('relay authentication with jwtAuth', () => {
  it('a connection without a token is refused', async () => {
    const { connect } = await boot()
    await expect(connect()).rejects.toThrow(/token/i)
  })

  it('a token signed with another secret is refused', async () => {
    const { connect } = await boot()
    const forged = await token(
      { rooms: '*' },
      '1h',
      new TextEncoder().encode('another-secret-of-enough-length!!'),
    )
    await expect(connect({ token: forged })).rejects.toThrow(/signature/i)
  })

  it('an expired token is refused', async () => {
    const { connect } = await boot()
    const expired = await token({ rooms: '*' }, Math.floor(Date.now() / 1000) - 3600)
    await expect(connect({ token: expired })).rejects.toThrow(/exp/i)
  })

  it('a token for another audience is refused', async () => {
    const { connect } = await boot()
    const other = await new SignJWT({ rooms: '*' })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('else')
      .sign(key)
    await expect(connect({ token: other })).rejects.toThrow(/aud/i)
  })

  it('a token for room A can join and push to A', async () => {
    const { connect } = await boot()
    const a = await connect({ token: await token({ rooms: ['A'] }) })
    expect(await ask(a, 'join', { room: 'A', clientId: 'c', schemaVersion: 1 })).toMatchObject({
      ok: true,
    })
    const ack = await ask(a, 'push', {
      room: 'A',
      changes: [{ id: 'c:1', ts: ts(T0, 'c'), ops: [{ op: 'add', path: ['x'], value: 1 }] }],
    })
    expect(ack).toEqual({ ok: true, results: [{ id: 'c:1', seq: 1 }] })
  })

  it('a token for room A cannot read room B', async () => {
    const { connect } = await boot()
    const a = await connect({ token: await token({ rooms: ['A'] }) })
    expect(await ask(a, 'join', { room: 'B', clientId: 'c', schemaVersion: 1 })).toMatchObject({
      ok: false,
      reason: 'forbidden',
    })
  })

  it('a token for room A cannot write room B, and B stays unchanged', async () => {
    const { connect } = await boot()
    const owner = await connect({ token: await token({ rooms: ['B'] }) })
    await ask(owner, 'join', { room: 'B', clientId: 'o', schemaVersion: 1 })
    const a = await connect({ token: await token({ rooms: ['A'] }) })
    const ack = await ask(a, 'push', {
      room: 'B',
      changes: [{ id: 'c:1', ts: ts(T0, 'c'), ops: [{ op: 'add', path: ['x'], value: 1 }] }],
    })
    expect(ack).toMatchObject({ ok: false, reason: 'forbidden' })
    expect(await ask(owner, 'join', { room: 'B', clientId: 'o', schemaVersion: 1 })).toMatchObject({
      seq: 0,
      snapshot: {},
    })
  })

  it('a read-only room claim lets a socket join but not push', async () => {
    const { connect } = await boot()
    const reader = await connect({ token: await token({ readRooms: ['A'] }) })
    expect(await ask(reader, 'join', { room: 'A', clientId: 'r', schemaVersion: 1 })).toMatchObject(
      { ok: true },
    )
    const ack = await ask(reader, 'push', {
      room: 'A',
      changes: [{ id: 'r:1', ts: ts(T0, 'r'), ops: [{ op: 'add', path: ['x'], value: 1 }] }],
    })
    expect(ack).toMatchObject({ ok: false, reason: 'forbidden' })
  })

  it('a socket whose token expires while connected is sent goodbye and disconnected', async () => {
    const { connect } = await boot(undefined, 0)
    const s = await connect({
      token: await token({ rooms: '*' }, Math.floor(Date.now() / 1000) + 1),
    })
    const bye = await new Promise((resolve) => s.once('goodbye', resolve))
    expect(bye).toMatchObject({ reason: 'forbidden' })
  })

  it('a token that expired within the clock tolerance stays connected until the tolerance ran out', async () => {
    const { connect } = await boot(undefined, 2)
    const expiredAt = Math.floor(Date.now() / 1000) - 1
    const s = await connect({ token: await token({ rooms: '*' }, expiredAt) })
    const bye = new Promise<number>((resolve) => s.once('goodbye', () => resolve(Date.now())))
    expect(await ask(s, 'join', { room: 'A', clientId: 'c', schemaVersion: 1 })).toMatchObject({
      ok: true,
    })
    // The goodbye comes once exp plus the 2 s tolerance has passed, not at connect.
    expect(await bye).toBeGreaterThanOrEqual((expiredAt + 2) * 1000)
  })
})

describe('client ids belong to the user who first used them', () => {
  const victimToken = () => token({ sub: 'victim', rooms: '*' })
  const attackerToken = () => token({ sub: 'mallory', rooms: '*' })
  const add = (id: string, key: string, value: unknown, at = 0) => ({
    id,
    ts: ts(T0 + at, id.slice(0, id.lastIndexOf(':'))),
    ops: [{ op: 'add' as const, path: [key], value }],
  })

  it('a join under a client id another user holds is refused forbidden, naming the id', async () => {
    const { connect } = await boot()
    const victim = await connect({ token: await victimToken() })
    await ask(victim, 'join', { room: 'r', clientId: 'kiosk1', schemaVersion: 1 })
    await ask(victim, 'push', { room: 'r', changes: [add('kiosk1:1', 'a', 1)] })
    const attacker = await connect({ token: await attackerToken() })
    const res = await ask(attacker, 'join', { room: 'r', clientId: 'kiosk1', schemaVersion: 1 })
    expect(res).toMatchObject({ ok: false, reason: 'forbidden' })
    expect((res as { message: string }).message).toMatch(/"kiosk1" belongs to another user/)
  })

  it("another user's pushes under a victim's ids are refused and the victim's own pushes of those ids are applied", async () => {
    const { connect } = await boot()
    const victim = await connect({ token: await victimToken() })
    await ask(victim, 'join', { room: 'r', clientId: 'vic', schemaVersion: 1 })
    await ask(victim, 'push', { room: 'r', changes: [add('vic:1', 'a', 1)] })
    const attacker = await connect({ token: await attackerToken() })
    await ask(attacker, 'join', { room: 'r', clientId: 'vic', schemaVersion: 1 })
    const forged = [add('vic:2', 'junk', 1, 1), add('vic:3', 'junk', 2, 2)]
    expect(await askRaw(attacker, 'push', { room: 'r', changes: forged })).toMatchObject({
      ok: false,
    })
    const own = await ask(victim, 'push', {
      room: 'r',
      changes: [add('vic:2', 'b', 2, 3), add('vic:3', 'c', 3, 4)],
    })
    expect(own).toEqual({
      ok: true,
      results: [
        { id: 'vic:2', seq: 2 },
        { id: 'vic:3', seq: 3 },
      ],
    })
    const reader = await connect({ token: await victimToken() })
    expect(
      await ask(reader, 'join', { room: 'r', clientId: 'reader', schemaVersion: 1 }),
    ).toMatchObject({
      snapshot: { a: 1, b: 2, c: 3 },
    })
  })

  it("ids extending the joined client id are refused forbidden when that client id is another user's", async () => {
    const { connect } = await boot()
    const victim = await connect({ token: await victimToken() })
    await ask(victim, 'join', { room: 'r', clientId: 'team:ann', schemaVersion: 1 })
    await ask(victim, 'push', { room: 'r', changes: [add('team:ann:1', 'a', 1)] })
    const attacker = await connect({ token: await attackerToken() })
    await ask(attacker, 'join', { room: 'r', clientId: 'team', schemaVersion: 1 })
    const res = await ask(attacker, 'push', { room: 'r', changes: [add('team:ann:5', 'x', 1)] })
    expect(res).toMatchObject({ ok: false, reason: 'forbidden' })
    const own = await ask(victim, 'push', { room: 'r', changes: [add('team:ann:5', 'y', 1, 1)] })
    expect(own).toEqual({ ok: true, results: [{ id: 'team:ann:5', seq: 2 }] })
  })

  it('a client id stays bound to its first user across a relay restart on the same SQLite file', async () => {
    const file = join(dir, 'owners.db')
    const first = await boot(file)
    const victim = await first.connect({ token: await victimToken() })
    await ask(victim, 'join', { room: 'r', clientId: 'kiosk1', schemaVersion: 1 })
    await ask(victim, 'push', { room: 'r', changes: [add('kiosk1:1', 'a', 1)] })
    await first.stop()
    const second = await boot(file)
    const attacker = await second.connect({ token: await attackerToken() })
    expect(
      await ask(attacker, 'join', { room: 'r', clientId: 'kiosk1', schemaVersion: 1 }),
    ).toMatchObject({ ok: false, reason: 'forbidden' })
    const back = await second.connect({ token: await victimToken() })
    expect(
      await ask(back, 'join', { room: 'r', clientId: 'kiosk1', schemaVersion: 1 }),
    ).toMatchObject({ ok: true })
  })

  it('users sharing a group client id each own the tab ids they write under it', async () => {
    const { connect } = await boot()
    const ann = await connect({ token: await victimToken() })
    const bob = await connect({ token: await attackerToken() })
    await ask(ann, 'join', { room: 'r', clientId: 'tabs', schemaVersion: 1 })
    await ask(bob, 'join', { room: 'r', clientId: 'tabs', schemaVersion: 1 })
    expect(await ask(ann, 'push', { room: 'r', changes: [add('tabs:ann1:1', 'a', 1)] })).toEqual({
      ok: true,
      results: [{ id: 'tabs:ann1:1', seq: 1 }],
    })
    expect(await ask(bob, 'push', { room: 'r', changes: [add('tabs:bob1:1', 'b', 1)] })).toEqual({
      ok: true,
      results: [{ id: 'tabs:bob1:1', seq: 2 }],
    })
    expect(
      await ask(bob, 'push', { room: 'r', changes: [add('tabs:ann1:2', 'c', 1, 1)] }),
    ).toMatchObject({ ok: false, reason: 'forbidden' })
  })
})

describe('the shared-connection group id `tabs` belongs to no user', () => {
  const aliceToken = () => token({ sub: 'alice', rooms: '*' })
  const malloryToken = () => token({ sub: 'mallory', rooms: '*' })
  const add = (id: string, key: string, value: unknown, at = 0) => ({
    id,
    ts: ts(T0 + at, id.slice(0, id.lastIndexOf(':'))),
    ops: [{ op: 'add' as const, path: [key], value }],
  })
  /** Joins `room` under the group and pushes `ids`, answering the push. */
  const pushUnderGroup = async (
    socket: Awaited<ReturnType<Started['connect']>>,
    ids: string[],
    at = 0,
  ) => {
    await ask(socket, 'join', { room: 'r', clientId: 'tabs', schemaVersion: 1 })
    return ask(socket, 'push', {
      room: 'r',
      changes: ids.map((id, i) => add(id, `k${at + i}`, i, at + i)),
    })
  }

  it('a change id directly under the group, with no tab, is refused bad_request', async () => {
    const { connect } = await boot()
    const mallory = await connect({ token: await malloryToken() })
    const res = await pushUnderGroup(mallory, ['tabs:1'])
    expect(res).toMatchObject({ ok: true, results: [{ id: 'tabs:1', reason: 'bad_request' }] })
    expect((res as { results: { message: string }[] }).results[0]?.message).toMatch(
      /"tabs:<tab>:<counter>"/,
    )
  })

  it("a user's pushes under the group leave it open to every other user's shared connection", async () => {
    const { connect } = await boot()
    const mallory = await connect({ token: await malloryToken() })
    await pushUnderGroup(mallory, ['tabs:1', 'tabs:mt:1', 'tabs:2'])
    const alice = await connect({ token: await aliceToken() })
    expect(await pushUnderGroup(alice, ['tabs:at:1'], 10)).toEqual({
      ok: true,
      results: [{ id: 'tabs:at:1', seq: 2 }],
    })
  })

  it("a tab's ids written through the group cannot be replayed or continued by another user", async () => {
    const { connect } = await boot()
    const alice = await connect({ token: await aliceToken() })
    await pushUnderGroup(alice, ['tabs:at:1'])
    const mallory = await connect({ token: await malloryToken() })
    const replay = await pushUnderGroup(mallory, ['tabs:at:1'])
    expect(replay).toMatchObject({ ok: false, reason: 'forbidden' })
    const next = await ask(mallory, 'push', { room: 'r', changes: [add('tabs:at:2', 'x', 1, 1)] })
    expect(next).toMatchObject({ ok: false, reason: 'forbidden' })
    expect(await ask(alice, 'push', { room: 'r', changes: [add('tabs:at:2', 'y', 1, 2)] })).toEqual(
      { ok: true, results: [{ id: 'tabs:at:2', seq: 2 }] },
    )
  })

  it("a tab's id stays its user's and the group stays open across a relay restart on the same SQLite file", async () => {
    const file = join(dir, 'groups.db')
    const first = await boot(file)
    const alice = await first.connect({ token: await aliceToken() })
    await pushUnderGroup(alice, ['tabs:at:1'])
    const squatter = await first.connect({ token: await malloryToken() })
    await pushUnderGroup(squatter, ['tabs:1'], 5)
    await first.stop()
    const second = await boot(file)
    const mallory = await second.connect({ token: await malloryToken() })
    expect(await pushUnderGroup(mallory, ['tabs:at:2'], 10)).toMatchObject({
      ok: false,
      reason: 'forbidden',
    })
    expect(
      await ask(mallory, 'join', { room: 'r', clientId: 'tabs:at', schemaVersion: 1 }),
    ).toMatchObject({ ok: false, reason: 'forbidden' })
    const back = await second.connect({ token: await aliceToken() })
    expect(await pushUnderGroup(back, ['tabs:at:2'], 20)).toEqual({
      ok: true,
      results: [{ id: 'tabs:at:2', seq: 2 }],
    })
  })

  it('a binding of the group an older relay stored keeps no user out of it', async () => {
    const file = join(dir, 'legacy-group.db')
    const legacy = sqliteStore({ file })
    await legacy.claimClient('r', 'tabs', 'mallory')
    await legacy.close()
    const { connect } = await boot(file)
    const alice = await connect({ token: await aliceToken() })
    expect(await pushUnderGroup(alice, ['tabs:at:1'])).toEqual({
      ok: true,
      results: [{ id: 'tabs:at:1', seq: 1 }],
    })
  })
})

describe('roomsClaimAllows', () => {
  it('grants rooms matching a prefix pattern', () => {
    expect(roomsClaimAllows({ rooms: ['chat:*'] }, 'chat:42', 'write')).toBe(true)
    expect(roomsClaimAllows({ rooms: ['chat:*'] }, 'cart:42', 'read')).toBe(false)
  })

  it('denies a principal without room claims', () => {
    expect(roomsClaimAllows({ sub: 'ann' }, 'a', 'read')).toBe(false)
  })

  it('jwtAuth refuses to be built without a secret or jwks, naming the option', () => {
    expect(() => jwtAuth({})).toThrow(/secret/)
  })
})
