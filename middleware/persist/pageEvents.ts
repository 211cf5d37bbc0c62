interface PageEvents {
  addEventListener?: (type: string, fn: () => void) => void
  removeEventListener?: (type: string, fn: () => void) => void
  document?: PageEvents & { visibilityState?: string }
}

/**
 * Calls `onHidden` when the page is hidden or unloaded (`pagehide`,
 * `visibilitychange` to hidden): the last moments a browser reliably runs
 * code. Does nothing outside browsers. Returns the function that stops listening.
 */
export function onPageHidden(onHidden: () => void): () => void {
  const page = globalThis as PageEvents
  if (typeof page.addEventListener !== 'function') return () => {}
  const onVisibility = () => {
    if (page.document?.visibilityState === 'hidden') onHidden()
  }
  page.addEventListener('pagehide', onHidden)
  page.document?.addEventListener?.('visibilitychange', onVisibility)
  return () => {
    page.removeEventListener?.('pagehide', onHidden)
    page.document?.removeEventListener?.('visibilitychange', onVisibility)
  }
}
