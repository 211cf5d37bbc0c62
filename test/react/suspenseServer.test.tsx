import { Suspense } from 'react'
import { renderToString } from 'react-dom/server'
import { Provider } from 'react-redux'
import { describe, expect, it } from 'vitest'
import { persistStatusChanged, syncStatusChanged } from '../../slices/patchwireSlice'
import { useHydratedSuspense, useRoomSuspense } from '../../src/react/index'
import { makeStore } from './store'

type AnyStore = ReturnType<typeof makeStore>['store']

function Room() {
  useRoomSuspense('lobby')
  return <p>room content</p>
}

function Hydrated() {
  useHydratedSuspense()
  return <p>hydrated content</p>
}

const render = (store: AnyStore, node: React.ReactNode) =>
  renderToString(
    <Provider store={store}>
      <Suspense fallback={<p>fallback</p>}>{node}</Suspense>
    </Provider>,
  )

describe('Suspense hooks in a server render', () => {
  it('a room not joined yet renders the Suspense fallback on the server', () => {
    const { store } = makeStore()
    store.dispatch(syncStatusChanged({ room: 'lobby', connection: 'connecting' }))
    const html = render(store, <Room />)
    expect(html).toContain('fallback')
    expect(html).not.toContain('room content')
  })

  it('a room that has joined once renders its content, offline or not', () => {
    const { store } = makeStore()
    store.dispatch(syncStatusChanged({ room: 'lobby', connection: 'live', joinedOnce: true }))
    store.dispatch(syncStatusChanged({ room: 'lobby', connection: 'offline' }))
    expect(render(store, <Room />)).toContain('room content')
  })

  it('a store without persist never suspends on hydration', () => {
    const { store } = makeStore()
    expect(render(store, <Hydrated />)).toContain('hydrated content')
  })

  it('a persisted key still hydrating renders the fallback', () => {
    const { store } = makeStore()
    store.dispatch(persistStatusChanged({ key: 'app', state: 'hydrating' }))
    const html = render(store, <Hydrated />)
    expect(html).toContain('fallback')
    expect(html).not.toContain('hydrated content')
  })
})
