import { describeValue, PatchwireError } from './errors'

/**
 * The error every factory throws at setup for a misused option: it names the
 * factory, the option, what was expected and what was received, so the
 * message reads the same whichever middleware raised it.
 *
 * @example
 * ```ts
 * throw optionError('sync', 'room', 'a non-empty string', options.room)
 * // sync: room must be a non-empty string, received number 3.
 * ```
 */
export function optionError(
  owner: string,
  option: string,
  expected: string,
  received: unknown,
): PatchwireError<'option'> {
  const what = describeValue(received)
  return new PatchwireError(
    'option',
    `${owner}: ${option} must be ${expected}, received ${what}.`,
    {
      option,
      received: what,
    },
  )
}
