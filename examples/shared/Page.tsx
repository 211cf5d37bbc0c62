import type { Store } from '@reduxjs/toolkit'
import { PatchwireDebugger } from 'patchwire/react'
import { type ReactNode, StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Provider } from 'react-redux'

const page: React.CSSProperties = {
  font: '15px/1.5 system-ui, sans-serif',
  color: '#1d1f24',
  maxWidth: 760,
  margin: '24px auto',
  padding: '0 16px 60vh',
}

/** Mounts an example: its header, the app, and the debugger docked in the corner. */
export function mountExample(store: Store, title: string, app: ReactNode): void {
  const root = document.getElementById('root')
  if (!root) throw new Error('examples: the page has no #root element')
  createRoot(root).render(
    <StrictMode>
      <Provider store={store}>
        <main style={page}>
          <p style={{ margin: 0 }}>
            <a href="/">← all examples</a>
          </p>
          <h1 style={{ margin: '4px 0 16px' }}>{title}</h1>
          {app}
        </main>
        <PatchwireDebugger />
      </Provider>
    </StrictMode>,
  )
}
