import { METRICS_WINDOW, type MetricPoint } from '../shared/schemas'

// A deterministic hash of the tick stands in for noise: the same tick always
// yields the same point, so a server restarted mid-stream can replay the ticks
// a client missed and every client sees one history.
function noise(tick: number, salt: number): number {
  let x = (tick * 2654435761 + salt * 40503) >>> 0
  x ^= x >>> 15
  x = Math.imul(x, 2246822507) >>> 0
  x ^= x >>> 13
  return (x % 10_000) / 10_000
}

const clamp = (v: number) => Math.min(100, Math.max(0, v))

/** The metrics of one tick. */
export function metricPoint(tick: number, intervalMs: number): MetricPoint {
  return {
    tick,
    t: tick * intervalMs,
    cpu: clamp(45 + 25 * Math.sin(tick / 9) + 20 * (noise(tick, 1) - 0.5)),
    mem: clamp(60 + 10 * Math.sin(tick / 40) + 4 * (noise(tick, 2) - 0.5)),
    rps: Math.max(0, 220 + 120 * Math.sin(tick / 15 + 1) + 80 * (noise(tick, 3) - 0.5)),
  }
}

/** The stream chunk that carries one tick: its slot of the window and the latest point. */
export function metricChunk(tick: number, intervalMs: number) {
  const point = metricPoint(tick, intervalMs)
  return {
    type: 'patch' as const,
    id: tick,
    ops: [
      {
        op: 'add' as const,
        path: ['metrics', 'window', String(tick % METRICS_WINDOW)],
        value: point,
      },
      { op: 'replace' as const, path: ['metrics', 'latest'], value: point },
    ],
  }
}

/**
 * The ticks to replay for a client that last saw `since`: those after it,
 * at most one window's worth (older points would be overwritten anyway).
 */
export function ticksToReplay(since: number | null, current: number): number[] {
  const from =
    since === null
      ? current - METRICS_WINDOW + 1
      : Math.max(since + 1, current - METRICS_WINDOW + 1)
  const ticks: number[] = []
  for (let t = Math.max(0, from); t <= current; t++) ticks.push(t)
  return ticks
}

/**
 * The dashboard's metrics state after every tick up to `tick`, exactly as a
 * client that applied the stream's chunks holds it: what a server render embeds.
 */
export function metricsAt(tick: number, intervalMs: number) {
  const window: Record<string, MetricPoint> = {}
  let latest: MetricPoint | null = null
  for (const t of ticksToReplay(null, tick)) {
    latest = metricPoint(t, intervalMs)
    window[String(t % METRICS_WINDOW)] = latest
  }
  return { window, latest }
}
