import { describe, expect, it } from 'vitest'
import type { RelayStore, RoomVersion } from '../../server/store/types'

const version = (n: number, reason: RoomVersion['reason'] = 'manual'): RoomVersion => ({
  id: `${n}-v`,
  seq: n,
  takenAt: 1_700_000_000_000 + n,
  reason,
  state: { n, nested: { list: [n, 'x', null] } },
})

/** The room-version part of the `RelayStore` contract, run against every store kind. */
export function describeVersionContract(kind: string, open: () => RelayStore): void {
  describe(`${kind} store versions`, () => {
    it('lists no versions for a room that has none', async () => {
      expect(await open().versions('r')).toEqual([])
    })

    it('lists added versions oldest first without their state', async () => {
      const s = open()
      await s.addVersion('r', version(1, 'compaction'), 5)
      await s.addVersion('r', version(2, 'restore'), 5)
      expect(await s.versions('r')).toEqual([
        { id: '1-v', seq: 1, takenAt: 1_700_000_000_001, reason: 'compaction' },
        { id: '2-v', seq: 2, takenAt: 1_700_000_000_002, reason: 'restore' },
      ])
    })

    it('reads a version back with its state', async () => {
      const s = open()
      await s.addVersion('r', version(3), 5)
      expect(await s.readVersion('r', '3-v')).toEqual(version(3))
    })

    it('reads undefined for a version id the room does not hold', async () => {
      const s = open()
      await s.addVersion('r', version(1), 5)
      expect(await s.readVersion('r', 'nope')).toBeUndefined()
      expect(await s.readVersion('other', '1-v')).toBeUndefined()
    })

    it('keeps only the newest versions beyond the retention count', async () => {
      const s = open()
      for (let n = 1; n <= 5; n++) await s.addVersion('r', version(n), 3)
      expect((await s.versions('r')).map((v) => v.id)).toEqual(['3-v', '4-v', '5-v'])
      expect(await s.readVersion('r', '2-v')).toBeUndefined()
      expect((await s.readVersion('r', '3-v'))?.state).toEqual(version(3).state)
    })

    it('keeps the versions of rooms apart', async () => {
      const s = open()
      await s.addVersion('a', version(1), 1)
      await s.addVersion('b', version(2), 1)
      expect((await s.versions('a')).map((v) => v.id)).toEqual(['1-v'])
      expect((await s.versions('b')).map((v) => v.id)).toEqual(['2-v'])
    })
  })
}
