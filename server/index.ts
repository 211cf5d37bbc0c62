/**
 * Node-only entry: the relay, its stores, and server helpers. Never imported by browser code.
 *
 * @module patchwire/server
 */

export type { FileStorageOptions } from '../middleware/persist/storages/fileStorage'
export { createFileStorage } from '../middleware/persist/storages/fileStorage'
export { serveRoomSnapshot } from './api/serveRoomSnapshot'
export type {
  OnChangeOptions,
  RelayAdmission,
  RestoreVersionResult,
  RoomChangeListener,
  RoomChangesOptions,
  RoomFeedItem,
  RoomState,
  RoomVersionRefusal,
  ServerWriteOptions,
  SnapshotVersionResult,
} from './api/types'
export type { JwksKeySet, JwtAuthOptions, JwtClaims, JwtPrincipal } from './auth/jwtAuth'
export { jwtAuth } from './auth/jwtAuth'
export { roomsClaimAllows } from './auth/roomsClaimAllows'
export { createRelay } from './createRelay'
export type { MetricsRegistry, RelayCounts, RelayMetrics } from './metrics/types'
export type { RedisOwnershipOptions } from './ownership/redisOwnership'
export type { RedisFanoutOptions } from './redisAdapter'
export { DEFAULT_LIMITS } from './relay/limits'
export type { RoomOwnership } from './relay/roomOwnership'
export type {
  GoodbyeReason,
  ReadAnswer,
  Relay,
  RelayHandshake,
  RelayHealth,
  RelayLimits,
  RelayLogEntry,
  RelayObserver,
  RelayOptions,
  RelayRedisOptions,
  RoomAccess,
  RoomVersionOptions,
  StoreOperation,
} from './relay/types'
export type {
  ChangeFeed,
  ChangeFeedOptions,
  FeedEntry,
  FeedListener,
} from './sse/createChangeFeed'
export { createChangeFeed } from './sse/createChangeFeed'
export type { ServeChangeStreamOptions } from './sse/serveChangeStream'
export { serveChangeStream } from './sse/serveChangeStream'
export { memoryStore } from './store/memoryStore'
export type { RedisClient, RedisClientOptions } from './store/redisClient'
export type { RedisConnection, RedisConnectionState } from './store/redisConnection'
export { isRedisUnavailable } from './store/redisConnection'
export type { RedisRelayStore, RedisStoreOptions } from './store/redisStore'
export { redisStore } from './store/redisStore'
export type { SqliteStoreOptions } from './store/sqliteStore'
export { sqliteStore } from './store/sqliteStore'
export type {
  AppendResult,
  AppliedChange,
  PathClock,
  RelayStore,
  RoomSnapshot,
  RoomVersion,
  RoomVersionInfo,
  RoomVersionReason,
  StoredChange,
} from './store/types'
