import { devToolsMode } from './devToolsMode'

/** This page's Redux DevTools mode, read once, before its store is made. */
export const DEVTOOLS_MODE = devToolsMode()

// The monitor (React components, JSON trees, a diff engine: several hundred kB)
// is fetched only by a page opened to show it; the other pages never load it.
/** The Inspector monitor's wiring when this page shows it, else `undefined`. */
export const monitor = DEVTOOLS_MODE === 'monitor' ? await import('./DevToolsMonitor') : undefined
