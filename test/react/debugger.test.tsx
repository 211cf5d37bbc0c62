import { renderToString } from 'react-dom/server'
import { Provider } from 'react-redux'
import { describe, expect, it } from 'vitest'
import { streamStatusChanged, syncStatusChanged } from '../../slices/patchwireSlice'
import { applyPatch } from '../../src/index'
import { PatchwireDebugger, type PatchwireDebuggerProps } from '../../src/react/index'
import { makeStore } from './store'

function render(store: ReturnType<typeof makeStore>['store'], props: PatchwireDebuggerProps = {}) {
  return renderToString(
    <Provider store={store}>
      <PatchwireDebugger {...props} />
    </Provider>,
  )
}

function storeWithTraffic() {
  const { store } = makeStore()
  store.dispatch(syncStatusChanged({ room: 'lobby', connection: 'live', lastSeq: 12, pending: 1 }))
  store.dispatch(streamStatusChanged({ id: 'metrics', state: 'retrying', cursor: '77' }))
  store.dispatch(
    applyPatch({
      changes: [
        {
          source: 'sync',
          origin: 'peer-b',
          seq: 12,
          ts: '1700000000000-0-peer-b',
          ops: [{ op: 'add', path: '/notes/items/-', value: { text: 'hello' } }],
        },
        { source: 'local', ops: [{ op: 'add', path: '/notes/items/-', value: { text: '' } }] },
      ],
    }),
  )
  return store
}

describe('<PatchwireDebugger />', () => {
  it('shows connection and stream status from the status slice', () => {
    const html = render(storeWithTraffic())
    expect(html).toContain('sync lobby')
    expect(html).toContain('data-pw-state="live"')
    expect(html).toContain('stream metrics')
    expect(html).toContain('cursor 77')
  })

  it('lists inbound changes with source, origin, seq, timestamp and ops', () => {
    const html = render(storeWithTraffic())
    expect(html).toMatch(/data-pw-traffic="applied" data-pw-source="sync"/)
    expect(html).toContain('peer-b')
    expect(html).toContain('1700000000000-0-peer-b')
    expect(html).toContain('add /notes/items/- = {&quot;text&quot;:&quot;hello&quot;}')
  })

  it('shows a refused change with its reason and issues, in the log and the rejected list', () => {
    const html = render(storeWithTraffic())
    expect(html).toMatch(/data-pw-traffic="rejected" data-pw-source="local"/)
    expect(html).toContain('data-pw-rejection="schema"')
    expect(html).toContain('data-pw-rejected="schema"')
    expect(html).toContain('notes.items.1.text:')
  })

  it('hides sources listed in hiddenSources', () => {
    const html = render(storeWithTraffic(), { hiddenSources: ['sync'] })
    expect(html).not.toContain('data-pw-source="sync"')
    expect(html).toContain('data-pw-source="local"')
  })

  it('renders only its header when closed', () => {
    const html = render(storeWithTraffic(), { defaultOpen: false })
    expect(html).toContain('2 changes logged')
    expect(html).not.toContain('data-pw-traffic')
    expect(html).not.toContain('data-pw-form')
  })

  it('offers the form that dispatches a hand-written patch', () => {
    expect(render(makeStore().store)).toContain('dispatch as devtools')
  })
})
