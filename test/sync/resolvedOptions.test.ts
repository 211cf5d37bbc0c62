import { describe, expect, it } from 'vitest'
import { resolveSyncOptions } from '../../middleware/sync/options'

describe('sync: resolved options', () => {
  const given = { url: 'http://127.0.0.1:1', room: 'team-1', allowKeys: ['todos'] }

  it('fills in every default once, so nothing downstream adds its own', () => {
    const resolved = resolveSyncOptions(given)
    expect(resolved).toMatchObject({
      ...given,
      mode: 'primary',
      schemaVersion: 1,
      batchMs: 0,
      statusThrottleMs: 50,
      pushSources: ['local', 'devtools'],
      statusKey: 'patchwire',
    })
    expect(resolved.now).toBe(Date.now)
  })

  it('keeps what was given over the defaults', () => {
    const now = () => 5
    const resolved = resolveSyncOptions({ ...given, mode: 'readOnly', batchMs: 20, now })
    expect(resolved).toMatchObject({ mode: 'readOnly', batchMs: 20, now })
  })

  it('never lists sync among the sources to push, whatever was given', () => {
    const resolved = resolveSyncOptions({ ...given, pushSources: ['local', 'sync', 'stream'] })
    expect(resolved.pushSources).toEqual(['local', 'stream'])
  })

  it('throws at setup, naming the option, for a misused one', () => {
    expect(() => resolveSyncOptions({ ...given, batchMs: -1 })).toThrow(
      /^sync: batchMs must be a number >= 0, received number -1\.$/,
    )
  })
})
