/**
 * React bindings: hooks over the status slice, the traffic log and the debugger panel.
 *
 * @module patchwire/react
 */
export type { PatchwireDebuggerProps } from './debugger/PatchwireDebugger'
export { PatchwireDebugger } from './debugger/PatchwireDebugger'
export type { PendingChanges, StateWithPatchwire } from './statusHooks'
export {
  useIsHydrated,
  useIsPending,
  usePatchwireCounters,
  usePatchwireStatus,
  usePendingChanges,
  usePersistStatus,
  useRecentRejections,
  useStreamStatus,
  useSyncStatus,
} from './statusHooks'
export { useHydratedSuspense, useRoomSuspense } from './suspenseHooks'
export { patchwireTrafficLog } from './trafficLog'
export type { TrafficEntry, TrafficLog, TrafficLogMiddleware, TrafficLogOptions } from './types'
export { usePresence } from './usePresence'
export { useTrafficLog } from './useTrafficLog'
export type { UndoControls } from './useUndo'
export { useUndo } from './useUndo'
