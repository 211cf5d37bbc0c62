// Node-only entry: the relay, its stores, and server helpers. Never imported by browser code.

export type { FileStorageOptions } from '../middleware/persist/storages/fileStorage'
export { createFileStorage } from '../middleware/persist/storages/fileStorage'
export type {
  ChangeFeed,
  ChangeFeedOptions,
  FeedEntry,
  FeedListener,
  ServeChangeStreamOptions,
} from './sse/index'
export { createChangeFeed, serveChangeStream } from './sse/index'
