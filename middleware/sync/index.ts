export type { AllowedPath } from './allowedPaths'
export type {
  ConfirmedModel,
  ConfirmedModelState,
  PendingChange,
  VisibleStep,
} from './confirmedModel'
export { createConfirmedModel } from './confirmedModel'
export type { SyncDurableState } from './durableState'
export type { PeerLog } from './peerLog'
export { createPeerLog, PEER_WINDOW } from './peerLog'
export { sync } from './sync'
export { createBroadcastChannelTransport } from './transports/broadcastChannel'
export { createRelaySocket } from './transports/socketIo'
export type {
  ConnectionLost,
  PeerChange,
  PeerMessage,
  PeerTransport,
  RelaySocket,
  RenderedRoom,
  SyncInstance,
  SyncMode,
  SyncOptions,
  SyncStatusReport,
} from './types'
