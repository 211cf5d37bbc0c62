import { createDevTools } from '@redux-devtools/core'
import { DockMonitor } from '@redux-devtools/dock-monitor'
import { InspectorMonitor } from '@redux-devtools/inspector-monitor'
import type { Store } from '@reduxjs/toolkit'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'

/**
 * The Inspector monitor the browser extension shows, in a dock at the bottom
 * of the page so the app and patchwire's debugger column stay visible above
 * it. Ctrl-H hides and shows it, Ctrl-Q moves it to another side.
 */
export const DevToolsMonitor = createDevTools(
  // Every dock setting is spelled out: the dock's monitor state is made from these
  // element props, and React 19 no longer fills a class's defaultProps into them
  // (left to its defaults, the dock starts hidden).
  <DockMonitor
    toggleVisibilityKey="ctrl-h"
    changePositionKey="ctrl-q"
    defaultIsVisible
    defaultPosition="bottom"
    defaultSize={0.45}
    fluid
  >
    <InspectorMonitor />
  </DockMonitor>,
)

/** The store enhancer that records the action history the monitor shows. */
export const instrumentForMonitor = () =>
  // Long enough for a session of the examples; the oldest actions are committed past it.
  DevToolsMonitor.instrument({ maxAge: 500 })

/**
 * Mounts the monitor in a root of its own, after the page's: it reads the
 * store's lifted (recorded) store, and the server-rendered page hydrates its
 * own root, which must hold only what the server rendered.
 */
export function mountDevToolsMonitor(store: Store): void {
  const host = document.createElement('div')
  host.dataset.pwDevtoolsMonitor = ''
  document.body.append(host)
  createRoot(host).render(
    <StrictMode>
      {/* Made with instrumentForMonitor(), the store has the lifted store its type does not name. */}
      <DevToolsMonitor store={store as never} />
    </StrictMode>,
  )
}
