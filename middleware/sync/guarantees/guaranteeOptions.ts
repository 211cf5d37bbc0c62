import { describeValue, PatchwireError } from '../../../src/errors'
import type { SyncOptions } from '../types'

/**
 * Throws at setup when `pendingTimeoutMs` or `offlineExpiryMs` is not a
 * positive number, or `shareConnection` is set without `url`.
 *
 * @example
 * ```ts
 * checkGuaranteeOptions({ room: 'r', allowKeys: ['a'], url, pendingTimeoutMs: 5000 })
 * ```
 */
export function checkGuaranteeOptions(options: SyncOptions): void {
  if (options.shareConnection && (options.socket || typeof options.url !== 'string')) {
    throw new PatchwireError(
      'option',
      'sync: shareConnection needs url (the leader tab opens the socket), not socket.',
      {
        option: 'shareConnection',
        received: options.socket ? 'a socket' : describeValue(options.url),
      },
    )
  }
  for (const option of ['pendingTimeoutMs', 'offlineExpiryMs'] as const) {
    const value = options[option]
    if (value !== undefined && !(typeof value === 'number' && value > 0)) {
      throw new PatchwireError(
        'option',
        `sync: ${option} must be a number > 0, received ${describeValue(value)}.`,
        { option, received: describeValue(value) },
      )
    }
  }
}
