import { type ReactNode, useMemo } from 'react'
import { useSelector } from 'react-redux'
import { Chart } from '../dashboard/Chart'
import type { SsrState } from './handoff'

/** What the status line says until the browser has hydrated: the same on both ends. */
export const RENDERED_STATUS = 'rendered on the server'

/**
 * The server-rendered page. It reads only the rendered state (no status, no
 * clocks, no locale formatting), so the server's markup and the browser's
 * first render are the same; `status` is a slot the browser fills after hydration.
 */
export function SsrApp({ status }: { status?: ReactNode }) {
  const messages = useSelector((s: SsrState) => s.chat.messages)
  const window = useSelector((s: SsrState) => s.metrics.window)
  const points = useMemo(() => Object.values(window).sort((a, b) => a.tick - b.tick), [window])
  return (
    <main style={{ font: '15px/1.5 system-ui, sans-serif', maxWidth: 760, margin: '24px auto' }}>
      <p style={{ margin: 0 }}>
        <a href="/">← all examples</a>
      </p>
      <h1 style={{ margin: '4px 0 16px' }}>Server-rendered room</h1>
      <p data-testid="status">{status ?? RENDERED_STATUS}</p>
      <ul data-testid="messages">
        {messages.map((m) => (
          <li key={m.id} data-testid="message" data-id={m.id}>
            <strong>{m.author}</strong>: {m.text}
          </li>
        ))}
      </ul>
      <Chart points={points} field="cpu" max={100} color="#3b6fd8" label="CPU %" />
      <p style={{ color: '#666' }}>
        The server read the room (<code>relay.read</code>) and the metrics up to a tick, rendered
        them with <code>react-dom/server</code> and embedded them as the store's preloaded state.
        The browser hydrates, then sync joins after that sequence and the stream resumes after that
        tick: nothing is fetched twice.
      </p>
    </main>
  )
}
