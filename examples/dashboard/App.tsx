import { useStreamStatus } from 'patchwire/react'
import { useMemo } from 'react'
import { useSelector } from 'react-redux'
import { Chart } from './Chart'
import type { DashboardRootState } from './store'

export function DashboardApp() {
  const window = useSelector((s: DashboardRootState) => s.metrics.window)
  const status = useStreamStatus('metrics')
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
      <p style={{ color: '#666' }}>
        Restart the relay: the stream retries, then resumes after its cursor and the server fills in
        the points it missed.
      </p>
    </>
  )
}
