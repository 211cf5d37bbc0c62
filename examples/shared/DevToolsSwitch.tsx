import { type DevToolsMode, devToolsHref } from './devToolsMode'

/** The header's switch: opens or closes the Inspector monitor, or names the extension in use. */
export function DevToolsSwitch({ mode }: { mode: DevToolsMode }) {
  if (mode === 'extension')
    return <span style={{ color: '#555' }}>Redux DevTools: the browser extension</span>
  const on = mode === 'monitor'
  return (
    <a href={devToolsHref(!on)} data-testid="devtools-switch">
      {on ? 'Close Redux DevTools' : 'Open Redux DevTools'}
    </a>
  )
}
