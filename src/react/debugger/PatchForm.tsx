import { useState } from 'react'
import { useDispatch } from 'react-redux'
import { applyPatch } from '../../actions'
import { parsePatchInput } from './parsePatchInput'
import * as s from './styles'

const example = '[{ "op": "replace", "path": "/some/key", "value": 1 }]'

/** Dispatches a hand-written patch as one change with `source: 'devtools'`. */
export function PatchForm() {
  const dispatch = useDispatch()
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)
  return (
    <form
      data-pw-form=""
      onSubmit={(event) => {
        event.preventDefault()
        const parsed = parsePatchInput(text)
        if (!parsed.ok) {
          setError(parsed.error)
          return
        }
        setError(null)
        dispatch(applyPatch({ changes: [{ source: 'devtools', ops: parsed.ops }] }))
      }}
    >
      <textarea
        aria-label="patch ops (JSON)"
        style={s.textarea}
        placeholder={example}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <button type="submit" style={s.button}>
        dispatch as devtools
      </button>
      {error ? (
        <span style={{ ...s.rejected, marginLeft: 8 }} role="alert">
          {error}
        </span>
      ) : null}
    </form>
  )
}
