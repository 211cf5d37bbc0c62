import { describe, expect, it } from 'vitest'
import { parseClusterUrl, redactClusterUrl } from '../../server/store/redisCluster'
import { redisStore } from '../../server/store/redisStore'

describe('redis+cluster:// URLs', () => {
  it('name every seed node with its port, 6379 when left out', () => {
    expect(parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2,[::1]:7002').nodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 6379 },
      { host: '::1', port: 7002 },
    ])
  })

  it('carry the user and password to every node, and TLS with rediss+cluster', () => {
    expect(parseClusterUrl('rediss+cluster://app:s%40cret@h:1,h:2').redisOptions).toEqual({
      username: 'app',
      password: 's@cret',
      tls: {},
    })
    expect(parseClusterUrl('redis+cluster://:pw@h:1').redisOptions).toEqual({ password: 'pw' })
  })

  it('lose their credentials when logged', () => {
    expect(redactClusterUrl('redis+cluster://app:pw@h:1,h:2')).toBe('redis+cluster://h:1,h:2')
  })

  it('refuse a node that is not host:port, naming the option', () => {
    expect(() => redisStore('redis+cluster://h:1,h:port')).toThrow(
      /redis\+cluster:\/\/host:port,host:port; "redis\+cluster:\/\/h:1,h:port" has a node "h:port" that is not host:port/,
    )
    expect(() => redisStore('redis+cluster://')).toThrow(/names no node/)
  })
})
