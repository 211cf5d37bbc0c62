import type { Store } from '@reduxjs/toolkit'
import { PatchwireDebugger } from 'patchwire/react'
import { type ReactNode, StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Provider } from 'react-redux'
import { DevToolsSwitch } from './DevToolsSwitch'
import { DEVTOOLS_MODE, monitor } from './exampleDevTools'

// The debugger gets a column of its own instead of floating over the app: docked
// in the corner it covered the dashboard's third chart and the cart's explanation.
// Wide enough, it sits beside the app and stays in view while the page scrolls;
// narrower, it follows the app.
const LAYOUT = `
.pw-example { display: grid; grid-template-columns: minmax(0, 760px); justify-content: center;
  gap: 16px 24px; margin: 24px 0; padding: 0 16px; }
.pw-example > aside { min-width: 0; }
@media (min-width: 1100px) {
  .pw-example { grid-template-columns: minmax(0, 760px) minmax(300px, 460px); align-items: start; }
  .pw-example > aside { position: sticky; top: 16px; }
}
`

const page: React.CSSProperties = {
  font: '15px/1.5 system-ui, sans-serif',
  color: '#1d1f24',
  minWidth: 0,
}

/**
 * Mounts an example: its header, the app, and the debugger in a column beside
 * it; with `?devtools=1` (and no browser extension), the Inspector monitor too.
 */
export function mountExample(store: Store, title: string, app: ReactNode): void {
  const root = document.getElementById('root')
  if (!root) throw new Error('examples: the page has no #root element')
  createRoot(root).render(
    <StrictMode>
      <Provider store={store}>
        <style>{LAYOUT}</style>
        <div className="pw-example">
          <main style={page}>
            <p style={{ margin: 0, display: 'flex', justifyContent: 'space-between' }}>
              <a href="/">← all examples</a>
              <DevToolsSwitch mode={DEVTOOLS_MODE} />
            </p>
            <h1 style={{ margin: '4px 0 16px' }}>{title}</h1>
            {app}
          </main>
          <aside>
            <PatchwireDebugger placement="inline" style={{ maxHeight: 'calc(100vh - 32px)' }} />
          </aside>
        </div>
      </Provider>
    </StrictMode>,
  )
  monitor?.mountDevToolsMonitor(store)
}
