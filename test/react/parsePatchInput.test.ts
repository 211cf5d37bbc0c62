import { describe, expect, it } from 'vitest'
import { parsePatchInput } from '../../src/react/debugger/parsePatchInput'

describe('parsePatchInput', () => {
  it('reads a single op with a JSON Pointer path', () => {
    expect(parsePatchInput('{"op":"replace","path":"/a/0","value":1}')).toEqual({
      ok: true,
      ops: [{ op: 'replace', path: ['a', '0'], value: 1 }],
    })
  })

  it('reads an array of ops and an { ops } object alike', () => {
    const ops = '[{"op":"remove","path":["a"]},{"op":"add","path":"/b/-","value":null}]'
    expect(parsePatchInput(ops)).toEqual(parsePatchInput(`{"ops":${ops}}`))
    expect(parsePatchInput(ops)).toMatchObject({ ok: true, ops: [{ op: 'remove' }, { op: 'add' }] })
  })

  it('explains text that is not JSON', () => {
    expect(parsePatchInput('{op:')).toMatchObject({
      ok: false,
      error: expect.stringContaining('Not JSON'),
    })
  })

  it('explains an unknown op kind with its position', () => {
    expect(parsePatchInput('[{"op":"move","path":"/a"}]')).toEqual({
      ok: false,
      error: 'Op 0: "op" must be add, replace or remove.',
    })
  })

  it('explains an add without a value', () => {
    expect(parsePatchInput('{"op":"add","path":"/a"}')).toMatchObject({
      ok: false,
      error: expect.stringContaining('needs a "value"'),
    })
  })

  it('refuses a path that reaches the prototype', () => {
    expect(parsePatchInput('{"op":"add","path":"/__proto__/x","value":1}')).toMatchObject({
      ok: false,
      error: expect.stringContaining('__proto__'),
    })
  })
})
