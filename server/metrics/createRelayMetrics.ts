import type * as PromClient from 'prom-client'
import { describeValue, PatchwireError } from '../../src/errors'
import { REJECT_REASONS } from '../../src/protocol'
import { loadOptionalPeer } from '../loadOptionalPeer'
import type { RelayObserver } from '../relay/types'
import { messageBytes } from '../relay/validate'
import type { MetricsRegistry, RelayCounts, RelayMetrics } from './types'

/** Seconds; from a local SQLite commit (sub-millisecond) to a Redis round trip under load. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

const REQUESTS = ['join', 'catchUp', 'push', 'presence:set'] as const

function isRegistry(value: unknown): value is PromClient.Registry {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { metrics?: unknown }).metrics === 'function' &&
    typeof (value as { registerMetric?: unknown }).registerMetric === 'function'
  )
}

/**
 * Builds a relay's Prometheus metrics on its own prom-client registry (a new
 * one for `true`), so several relays in one process never share or clash, and
 * the observer that keeps them. Gauges read `counts` when scraped. prom-client
 * is an optional peer, loaded here: missing, it throws
 * `PatchwireError('missing_peer')`; a `metrics` option that is neither `true`
 * nor a registry throws `PatchwireError('option')`.
 *
 * @example
 * ```ts
 * const { metrics, observer } = createRelayMetrics(true, () => ({ sockets: 0, rooms: 0, presenceEntries: 0 }))
 * observers.add(observer)
 * ```
 */
export function createRelayMetrics(
  option: true | MetricsRegistry,
  counts: () => RelayCounts,
): { metrics: RelayMetrics; observer: RelayObserver } {
  if (option !== true && !isRegistry(option)) {
    throw new PatchwireError(
      'option',
      `metrics must be true, false or a prom-client Registry, received ${describeValue(option)}.`,
      { option: 'metrics', received: describeValue(option) },
    )
  }
  const prom = loadOptionalPeer<typeof PromClient>('prom-client', 'createRelay({ metrics })')
  const registry = option === true ? new prom.Registry() : option
  const registers = [registry]

  const gauge = (name: string, help: string, read: (c: RelayCounts) => number) =>
    new prom.Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(counts()))
      },
    })
  gauge('patchwire_relay_sockets', 'Sockets connected to this relay node.', (c) => c.sockets)
  gauge('patchwire_relay_rooms', 'Rooms this relay node holds in memory.', (c) => c.rooms)
  gauge(
    'patchwire_relay_presence_entries',
    'Presence entries this relay node holds.',
    (c) => c.presenceEntries,
  )

  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new prom.Counter<L>({ name, help, labelNames, registers })
  const joins = counter('patchwire_relay_joins_total', 'Joins acknowledged.')
  const pushes = counter(
    'patchwire_relay_pushes_total',
    'Pushes answered with per-change verdicts.',
  )
  const refusedRequests = counter(
    'patchwire_relay_requests_refused_total',
    'Join, catchUp, push and presence:set messages refused as a whole, by request and reason.',
    ['request', 'reason'],
  )
  const accepted = counter(
    'patchwire_relay_changes_accepted_total',
    'Pushed changes acknowledged with a sequence (applied, or found applied already).',
  )
  const refusedChanges = counter(
    'patchwire_relay_changes_refused_total',
    'Pushed changes refused, by reason.',
    ['reason'],
  )
  const catchUps = counter('patchwire_relay_catchups_total', 'catchUp requests answered.')
  const snapshots = counter(
    'patchwire_relay_snapshots_served_total',
    'Join and catchUp answers that carried a snapshot instead of changes, by request.',
    ['request'],
  )
  const broadcasts = counter('patchwire_relay_broadcasts_total', 'Changes broadcast to rooms.')
  const broadcastBytes = counter(
    'patchwire_relay_broadcast_bytes_total',
    'Bytes of the broadcast changes (JSON), counted once per change.',
  )
  const redone = counter(
    'patchwire_relay_changes_redone_total',
    'Changes judged again because another relay node appended to their room first (0 with room ownership).',
  )
  const fenced = counter(
    'patchwire_relay_changes_fenced_total',
    'Changes whose append the store refused because this node no longer held the room lease.',
  )
  const storeSeconds = new prom.Histogram<'operation'>({
    name: 'patchwire_relay_store_operation_seconds',
    help: 'Latency of store calls (append, since, snapshot read and write), failed ones included.',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers,
  })

  // Every label value shows from the first scrape, so a rate over a new refusal starts at 0.
  for (const reason of REJECT_REASONS) {
    refusedChanges.inc({ reason }, 0)
    for (const request of REQUESTS) refusedRequests.inc({ request, reason }, 0)
  }
  for (const request of ['join', 'catchUp']) snapshots.inc({ request }, 0)
  for (const operation of ['append', 'since', 'snapshot']) storeSeconds.zero({ operation })

  const observer: RelayObserver = {
    joined: () => joins.inc(),
    refused: (request, reason) => refusedRequests.inc({ request, reason }),
    pushed: (_room, results) => {
      pushes.inc()
      for (const r of results) {
        if ('reason' in r) refusedChanges.inc({ reason: r.reason })
        else accepted.inc()
      }
    },
    served: (_room, request, answer) => {
      if (request === 'catchUp') catchUps.inc()
      if (answer === 'snapshot') snapshots.inc({ request })
    },
    broadcast: (change) => {
      broadcasts.inc()
      broadcastBytes.inc(messageBytes(change))
    },
    storeOperation: (operation, seconds) => storeSeconds.observe({ operation }, seconds),
    redone: (_room, changes) => redone.inc(changes),
    fenced: (_room, changes) => fenced.inc(changes),
  }
  return {
    metrics: {
      registry,
      contentType: registry.contentType,
      text: () => registry.metrics(),
    },
    observer,
  }
}
