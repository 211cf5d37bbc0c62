import { beforeAll, describe, expect, it } from 'vitest'
import { AUTH_LIMITS, type DefectKind, type FuzzReport, OPEN_LIMITS, runFuzz } from './runFuzz'

// The relay fuzzer as CI runs it: 22,000 frames over two relays (one open,
// one with jwtAuth and tight limits), each in its own process on a SQLite
// file, with honest sync stores writing alongside. `npm run fuzz` runs more.

/** Heap the relay may gain over a run, after a full GC: measured well under 2 MB for these runs. */
const HEAP_BUDGET_BYTES = 16 * 1024 * 1024
const SEED = Number(process.env.PATCHWIRE_FUZZ_SEED ?? 17)
const RUN_TIMEOUT_MS = 1_200_000

const of = (report: FuzzReport, kind: DefectKind) => report.defects.filter((d) => d.kind === kind)

describe.each([
  { name: 'an open relay', frames: 16_000, auth: false, limits: OPEN_LIMITS },
  { name: 'a relay with jwtAuth and tight limits', frames: 6_000, auth: true, limits: AUTH_LIMITS },
])('$name under $frames fuzz frames', ({ frames, auth, limits }) => {
  let report: FuzzReport

  beforeAll(async () => {
    report = await runFuzz({ frames, seed: SEED, auth, limits })
    console.log(
      `relay fuzz (${auth ? 'auth' : 'open'}): ${report.frames} frames, ${report.replies} answers, seed ${SEED}, ${report.seconds.toFixed(1)} s, ${report.defectCount} defects`,
    )
  }, RUN_TIMEOUT_MS)

  it('sends every frame', () => {
    expect(report.frames).toBeGreaterThanOrEqual(frames)
  })

  it('the relay process never exits', () => {
    expect(of(report, 'crash')).toEqual([])
  })

  it('the relay keeps answering: every round, probe join and connection is answered', () => {
    expect(of(report, 'silent')).toEqual([])
    expect(report.probes).toBeGreaterThan(0)
  })

  it('every answer and event the relay sends has its documented shape', () => {
    expect(of(report, 'shape')).toEqual([])
    expect(report.replies).toBeGreaterThan(frames / 4)
  })

  it('every honest write is confirmed once and the honest stores equal the room', () => {
    expect(of(report, 'convergence')).toEqual([])
    expect(report.honestWrites).toBeGreaterThan(0)
  })

  it('no room state holds a forbidden key', () => {
    expect(of(report, 'forbidden')).toEqual([])
  })

  it('the relay logs no error', () => {
    expect(of(report, 'errors')).toEqual([])
  })

  it('the relay’s sockets, rooms and presence return to the honest clients’ and its heap stays in budget', () => {
    expect(of(report, 'memory')).toEqual([])
    const heap = report.heap!
    expect(heap.final.heapUsed - heap.baseline.heapUsed).toBeLessThan(HEAP_BUDGET_BYTES)
  })
})
