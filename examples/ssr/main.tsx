import { useStreamStatus, useSyncStatus } from 'patchwire/react'
import { StrictMode, useEffect, useState } from 'react'
import { hydrateRoot } from 'react-dom/client'
import { Provider } from 'react-redux'
import { monitor } from '../shared/exampleDevTools'
import { RENDERED_STATUS, SsrApp } from './App'
import { HANDOFF_GLOBAL, SSR_ROOM, type SsrHandoff } from './handoff'
import { makeSsrStore } from './store'

/** The connection and the stream, shown once hydrated (the server had neither). */
function LiveStatus() {
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  const room = useSyncStatus(SSR_ROOM)
  const metrics = useStreamStatus('metrics')
  if (!hydrated) return RENDERED_STATUS
  return (
    <>
      room <strong data-testid="connection">{room?.connection ?? 'idle'}</strong> at seq{' '}
      <code data-testid="seq">{room?.lastSeq ?? 0}</code> · stream{' '}
      <strong data-testid="stream-state">{metrics?.state ?? 'idle'}</strong> after tick{' '}
      <code data-testid="cursor">{metrics?.cursor ?? '–'}</code>
    </>
  )
}

const handoff = (window as unknown as Record<string, SsrHandoff>)[HANDOFF_GLOBAL]
const root = document.getElementById('root')
if (!handoff || !root) throw new Error('examples/ssr: the page carries no server-rendered state')
const store = makeSsrStore(handoff)
hydrateRoot(
  root,
  <StrictMode>
    {/* Hydration reads the rendered state even if a change already arrived. */}
    <Provider store={store} serverState={handoff.state as ReturnType<typeof store.getState>}>
      <SsrApp status={<LiveStatus />} />
    </Provider>
  </StrictMode>,
)
// Opened with ?devtools=1: the monitor gets a root of its own, outside the hydrated markup.
monitor?.mountDevToolsMonitor(store)
