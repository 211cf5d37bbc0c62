import { readFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { join } from 'node:path'
import { configureStore } from '@reduxjs/toolkit'
import { renderToString } from 'react-dom/server'
import { Provider } from 'react-redux'
import type { Relay } from '../../server/index'
import { SsrApp } from '../ssr/App'
import {
  HANDOFF_GLOBAL,
  SSR_ROOM,
  type SsrHandoff,
  type SsrState,
  scriptJson,
} from '../ssr/handoff'
import { metricsAt } from './metrics'
import { type MetricsFeedOptions, tickOf } from './metricsFeed'

/** Options of `serveSsrPage`. */
export interface SsrPageOptions {
  /** The built examples; the page's shell is `ssr/index.html` there (Vite's script tags). */
  staticDir: string
  /** Where the room is read: the relay of this process. */
  relay: Pick<Relay, 'read'>
  /** The metrics feed's timing, so the rendered tick is the one the feed resumes after. */
  metrics?: MetricsFeedOptions
}

const MOUNT = '<div id="root"></div>'

/**
 * Answers `GET /ssr/` with the page rendered on the server: the room read
 * in-process (`relay.read`) and the metrics up to the current tick, rendered
 * with `react-dom/server` into the built shell, and embedded as JSON for the
 * browser's store (`window.__PATCHWIRE_SSR__`: state, seq, cursor). From
 * another process the room would come from `GET /rooms/:room/snapshot`.
 */
export async function serveSsrPage(res: ServerResponse, options: SsrPageOptions): Promise<void> {
  try {
    const shell = await readFile(join(options.staticDir, 'ssr', 'index.html'), 'utf8')
    const intervalMs = options.metrics?.intervalMs ?? 1000
    const tick = tickOf(options.metrics ?? {})
    const room = await options.relay.read(SSR_ROOM)
    const chat = (room.state.chat as SsrState['chat'] | undefined) ?? { messages: [] }
    const handoff: SsrHandoff = {
      state: { chat, metrics: metricsAt(tick, intervalMs) },
      seq: room.seq,
      cursor: String(tick),
    }
    // The server's store only holds what it rendered: no middleware, nothing live.
    const store = configureStore({ reducer: (state: SsrState = handoff.state) => state })
    const html = renderToString(
      <Provider store={store}>
        <SsrApp />
      </Provider>,
    )
    const page = shell.replace(
      MOUNT,
      `<div id="root">${html}</div><script>window.${HANDOFF_GLOBAL}=${scriptJson(handoff)}</script>`,
    )
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(page)
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(`The page could not be rendered: ${err instanceof Error ? err.message : String(err)}`)
  }
}
