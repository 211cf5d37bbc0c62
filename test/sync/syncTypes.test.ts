import type { Middleware } from '@reduxjs/toolkit'
import { describe, expectTypeOf, it } from 'vitest'
import { type SyncInstance, type SyncMode, type SyncOptions, sync } from '../../src/index'

describe('the sync public types', () => {
  it('exports sync from the package root, taking SyncOptions and returning a SyncInstance', () => {
    expectTypeOf(sync).parameter(0).toEqualTypeOf<SyncOptions>()
    expectTypeOf(sync).returns.toEqualTypeOf<SyncInstance>()
  })

  it('returns an instance with a Redux middleware and a stop method', () => {
    expectTypeOf<SyncInstance['middleware']>().toEqualTypeOf<Middleware>()
    expectTypeOf<SyncInstance['stop']>().toEqualTypeOf<() => void>()
    expectTypeOf<SyncMode>().toEqualTypeOf<'primary' | 'readOnly' | 'peer'>()
  })

  it('requires room and allowKeys', () => {
    expectTypeOf<SyncOptions['room']>().toEqualTypeOf<string>()
    expectTypeOf<SyncOptions['allowKeys']>().toEqualTypeOf<readonly string[]>()
  })
})
