import { useStreamStatus } from 'patchwire/react'
import { useMemo, useState } from 'react'
import { useSelector } from 'react-redux'
import { Chart } from './Chart'
import { RoutesPanel } from './RoutesPanel'
import type { DashboardRootState } from './store'

export function DashboardApp() {
  const window = useSelector((s: DashboardRootState) => s.metrics.window)
  const status = useStreamStatus('metrics')
  const routes = useStreamStatus('routes')
  const [showRoutes, setShowRoutes] = useState(true)
  const points = useMemo(() => Object.values(window).sort((a, b) => a.tick - b.tick), [window])
  return (
    <>
      <p>
        Stream <code>metrics</code>:{' '}
        <strong data-testid="stream-state">{status?.state ?? 'idle'}</strong> · cursor{' '}
        <code data-testid="cursor">{status?.cursor ?? '–'}</code> · {status?.chunksApplied ?? 0}{' '}
        chunks
        {status?.lastError ? <span style={{ color: '#b3261e' }}> · {status.lastError}</span> : null}
      </p>
      <Chart points={points} field="cpu" max={100} color="#3b6fd8" label="CPU %" />
      <Chart points={points} field="mem" max={100} color="#2e9d5b" label="Memory %" />
      <Chart points={points} field="rps" max={500} color="#c26a12" label="Requests/s" />
      <h2 style={{ fontSize: 16, marginBottom: 4 }}>RTK Query, kept current by a stream</h2>
      <p>
        Stream <code>routes</code>:{' '}
        <strong data-testid="routes-state">{routes?.state ?? 'idle'}</strong> · cursor{' '}
        <code data-testid="routes-cursor">{routes?.cursor ?? '–'}</code> ·{' '}
        <button type="button" onClick={() => setShowRoutes((v) => !v)}>
          {showRoutes ? 'Hide requests by route' : 'Show requests by route'}
        </button>
      </p>
      {showRoutes ? <RoutesPanel /> : null}
      <p style={{ color: '#666' }}>
        Restart the relay: the stream retries, then resumes after its cursor and the server fills in
        the points it missed. Hide the table: a second later its cache entry is removed and its
        stream stops.
      </p>
    </>
  )
}
