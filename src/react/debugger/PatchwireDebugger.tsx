import { type CSSProperties, useState } from 'react'
import type { ChangeSource } from '../../types'
import { usePatchwireStatus } from '../statusHooks'
import type { TrafficLog } from '../types'
import { useTrafficLog } from '../useTrafficLog'
import { PatchForm } from './PatchForm'
import { PresenceSection } from './PresenceSection'
import { RejectionsSection } from './RejectionsSection'
import { StatusSection } from './StatusSection'
import * as s from './styles'
import { TrafficSection } from './TrafficSection'

const SOURCES: readonly ChangeSource[] = ['local', 'sync', 'persist', 'stream', 'devtools']

/** Props of `<PatchwireDebugger />`. */
export interface PatchwireDebuggerProps {
  /** The traffic log to show. @defaultValue the one `patchwireTrafficLog()` installed in the store */
  log?: TrafficLog
  /** Start expanded. @defaultValue true */
  defaultOpen?: boolean
  /** `'docked'` floats in the bottom-right corner; `'inline'` flows with the page. @defaultValue 'docked' */
  placement?: 'docked' | 'inline'
  /** Rows of traffic shown (the log itself may hold more). @defaultValue 50 */
  maxRows?: number
  /** Sources hidden at first; the checkboxes toggle them. @defaultValue [] */
  hiddenSources?: readonly ChangeSource[]
  style?: CSSProperties
}

/**
 * A panel for seeing patchwire at work: sync/persist/stream status and
 * counters, each synced room's presence, a live list of inbound and outbound changes (source, origin, seq,
 * timestamp, ops) with filters by source, refused changes with their issues,
 * and a form that dispatches a hand-written patch with `source: 'devtools'`.
 *
 * It reads the status slice and the store's traffic log, so install
 * `patchwireTrafficLog()`; when the panel is not mounted, the log costs one
 * ring push per change and nothing else.
 *
 * @example
 * ```tsx
 * <Provider store={store}>
 *   <App />
 *   <PatchwireDebugger />
 * </Provider>
 * ```
 */
export function PatchwireDebugger({
  log,
  defaultOpen = true,
  placement = 'docked',
  maxRows = 50,
  hiddenSources = [],
  style,
}: PatchwireDebuggerProps) {
  const [open, setOpen] = useState(defaultOpen)
  const [hidden, setHidden] = useState<ReadonlySet<ChangeSource>>(() => new Set(hiddenSources))
  const status = usePatchwireStatus()
  const entries = useTrafficLog(log)
  const frame = { ...s.panel, ...(placement === 'docked' ? s.docked : {}), ...style }
  return (
    <section aria-label="patchwire debugger" data-pw-debugger="" style={frame}>
      <header style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
        <strong style={{ color: '#9ecbff' }}>patchwire</strong>
        <span style={s.muted}>{`${entries.length} changes logged`}</span>
        <span style={{ flex: 1 }} />
        <button type="button" style={s.button} onClick={() => setOpen(!open)}>
          {open ? 'hide' : 'show'}
        </button>
      </header>
      {open ? (
        <>
          <h3 style={s.heading}>Status</h3>
          <StatusSection status={status} />
          <h3 style={s.heading}>Presence</h3>
          <PresenceSection presence={status?.presence ?? {}} />
          <h3 style={s.heading}>Changes</h3>
          <fieldset style={{ border: 0, padding: 0, margin: '0 0 4px' }}>
            {SOURCES.map((source) => (
              <label key={source} style={{ marginRight: 8 }}>
                <input
                  type="checkbox"
                  checked={!hidden.has(source)}
                  data-pw-filter={source}
                  onChange={() => {
                    const next = new Set(hidden)
                    if (!next.delete(source)) next.add(source)
                    setHidden(next)
                  }}
                />{' '}
                {source}
              </label>
            ))}
          </fieldset>
          <TrafficSection entries={entries} hidden={hidden} maxRows={maxRows} />
          <h3 style={s.heading}>Rejected</h3>
          <RejectionsSection rejections={status?.recentRejections ?? []} />
          <h3 style={s.heading}>Dispatch a patch</h3>
          <PatchForm />
        </>
      ) : null}
    </section>
  )
}
