/**
 * What the relay needs of a prom-client `Registry` (written out, so the
 * types of `patchwire/server` import no optional package). A prom-client
 * `Registry` fits.
 */
export interface MetricsRegistry {
  /** The registry's metrics in its text format. */
  metrics(): Promise<string>
  /** The HTTP content type of `metrics()`. */
  readonly contentType: string
}

/** A relay's Prometheus metrics (`createRelay({ metrics: true })`). */
export interface RelayMetrics {
  /** The prom-client `Registry` holding the relay's metrics: yours when you passed one. */
  readonly registry: MetricsRegistry
  /** The content type to serve `text()` with (Prometheus text format). */
  readonly contentType: string
  /** The metrics in the Prometheus text format, as `GET /metrics` serves them. */
  text(): Promise<string>
}

/** What a relay holds right now, read when metrics are scraped. */
export interface RelayCounts {
  /** Sockets connected to this relay node. */
  sockets: number
  /** Rooms this node holds in memory (rooms someone joined or wrote since it last emptied). */
  rooms: number
  /** Presence entries this node holds (one per socket and room that set a presence value). */
  presenceEntries: number
}
