import type { MiddlewareAPI } from '@reduxjs/toolkit'
import { PatchwireError } from '../src/errors'

/**
 * The one policy for an instance of `persist`, `sync` or `stream` installed in
 * a second store: it throws at that store's setup. An instance's control
 * methods (`flush()`, `stop()`, `start()`…) act on the one store it runs in,
 * so a second store would leave them meaning nothing or two things.
 *
 * Returns a function to call with each store the middleware is built for.
 */
export function installOnce(factory: string, name: string): (api: MiddlewareAPI) => void {
  let installed: MiddlewareAPI | undefined
  return (api) => {
    // configureStore builds the chain once per store; the same api again is the same store.
    if (installed !== undefined && installed.getState !== api.getState) {
      throw new PatchwireError(
        'option',
        `${factory}(${JSON.stringify(name)}).middleware is already installed in another store; call ${factory}() once per store.`,
        { option: 'middleware', received: 'a second store' },
      )
    }
    installed = api
  }
}
