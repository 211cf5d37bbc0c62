import type { Middleware } from '@reduxjs/toolkit'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  createSyncMiddleware,
  type SyncMiddleware,
  type SyncMode,
  type SyncOptions,
  sync,
} from '../../src/index'

describe('the sync public types', () => {
  it('exports sync from the package root, also as createSyncMiddleware', () => {
    expect(createSyncMiddleware).toBe(sync)
    expectTypeOf(sync).parameter(0).toEqualTypeOf<SyncOptions>()
    expectTypeOf(sync).returns.toEqualTypeOf<SyncMiddleware>()
  })

  it('returns a Redux middleware with a stop method', () => {
    expectTypeOf<SyncMiddleware>().toMatchTypeOf<Middleware>()
    expectTypeOf<SyncMiddleware['stop']>().toEqualTypeOf<() => void>()
    expectTypeOf<SyncMode>().toEqualTypeOf<'primary' | 'readOnly' | 'peer'>()
  })

  it('requires room and allowKeys', () => {
    expectTypeOf<SyncOptions['room']>().toEqualTypeOf<string>()
    expectTypeOf<SyncOptions['allowKeys']>().toEqualTypeOf<readonly string[]>()
  })
})
