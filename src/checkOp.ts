import { checkValue } from './checkValue'
import { describeValue, PatchwireError } from './errors'
import { toPath } from './pointer'
import type { PatchOp, PathSegment } from './types'

/**
 * Checks everything about one op that needs no state: the op name, the path (segments,
 * forbidden ones, no removal of the root) and that an add or replace carries JSON data.
 * Returns the path as segments; throws a `PatchwireError` naming what is wrong.
 */
export function checkOp(raw: PatchOp): PathSegment[] {
  if (raw === null || typeof raw !== 'object') {
    throw new PatchwireError(
      'invalid_op',
      `An op must be an object, received ${describeValue(raw)}.`,
      {
        op: raw,
      },
    )
  }
  const { op } = raw
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw new PatchwireError(
      'invalid_op',
      `Unknown op ${JSON.stringify(op)}: expected add, replace or remove.`,
      { op: raw },
    )
  }
  const path = toPath(raw.path)
  if (op !== 'remove') {
    if (!('value' in raw) || raw.value === undefined) {
      throw new PatchwireError(
        'invalid_value',
        `The ${op} op at ${JSON.stringify(path)} has no value.`,
        {
          path,
          found: 'undefined',
        },
      )
    }
    checkValue(raw.value, path)
  }
  if (path.length === 0 && op === 'remove') {
    throw new PatchwireError('invalid_path', 'The root of the state cannot be removed.', {
      path,
      reason: 'remove at the root',
    })
  }
  return path
}
