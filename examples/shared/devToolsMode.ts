/**
 * Which Redux DevTools an example page records for:
 * - `extension`: the browser extension is installed; the store hands it
 *   patchwire's presets and the page adds no monitor of its own.
 * - `monitor`: no extension, and the page was opened with `?devtools=1`; the
 *   store is instrumented and the Inspector monitor docks at the bottom.
 * - `off`: neither; the store keeps no action history.
 */
export type DevToolsMode = 'extension' | 'monitor' | 'off'

/** The query parameter that opens the Inspector monitor. */
export const DEVTOOLS_PARAM = 'devtools'

/** The mode for the page at `location`, in `window` (read once, when the store is made). */
export function devToolsMode(target: Window = window): DevToolsMode {
  if ('__REDUX_DEVTOOLS_EXTENSION__' in target) return 'extension'
  const wanted = new URLSearchParams(target.location.search).get(DEVTOOLS_PARAM)
  return wanted === '1' ? 'monitor' : 'off'
}

/**
 * The same page with the monitor switched on or off, keeping its other query
 * parameters (the chat's room). The monitor must be chosen before the store
 * exists, so switching is a navigation, not a toggle in place.
 */
export function devToolsHref(on: boolean, target: Window = window): string {
  const params = new URLSearchParams(target.location.search)
  if (on) params.set(DEVTOOLS_PARAM, '1')
  else params.delete(DEVTOOLS_PARAM)
  const query = params.toString()
  return `${target.location.pathname}${query ? `?${query}` : ''}`
}
