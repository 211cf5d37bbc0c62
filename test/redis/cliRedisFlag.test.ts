import { describe, expect, it } from 'vitest'
import { parseRelayArgs } from '../../server/cli/parseRelayArgs'

describe('patchwire relay --redis', () => {
  it('keeps rooms in Redis instead of the SQLite file', () => {
    const config = parseRelayArgs(['--redis', 'redis://127.0.0.1:6379/2'], {})
    expect(config.redis).toBe('redis://127.0.0.1:6379/2')
    expect(config.db).toBeUndefined()
  })

  it('refuses a value that is not a redis:// or rediss:// URL, naming the flag', () => {
    expect(() => parseRelayArgs(['--redis', 'http://127.0.0.1:6379'], {})).toThrow(
      /--redis must be a redis:\/\/, rediss:\/\/ or redis\+cluster:\/\/host:port,host:port URL, received "http:\/\/127.0.0.1:6379"/,
    )
  })

  it('takes a redis+cluster:// URL listing nodes of a Redis Cluster', () => {
    const url = 'redis+cluster://:secret@127.0.0.1:7000,127.0.0.1:7001'
    expect(parseRelayArgs(['--redis', url], {}).redis).toBe(url)
  })

  it('refuses a cluster URL whose node is not host:port, naming the flag', () => {
    expect(() => parseRelayArgs(['--redis', 'redis+cluster://127.0.0.1:7000,:x'], {})).toThrow(
      /--redis must be a redis:\/\/, rediss:\/\/ or redis\+cluster:\/\/host:port,host:port URL/,
    )
  })

  it('refuses --redis together with --memory', () => {
    expect(() => parseRelayArgs(['--redis', 'redis://h:1', '--memory'], {})).toThrow(
      /either --redis or --memory/,
    )
  })

  it('uses the SQLite file when --redis is absent', () => {
    expect(parseRelayArgs([], {}).redis).toBeUndefined()
  })
})
