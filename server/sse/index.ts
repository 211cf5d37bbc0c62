export type {
  ChangeFeed,
  ChangeFeedOptions,
  FeedEntry,
  FeedListener,
} from './createChangeFeed'
export { createChangeFeed } from './createChangeFeed'
export type { ServeChangeStreamOptions } from './serveChangeStream'
export { serveChangeStream } from './serveChangeStream'
