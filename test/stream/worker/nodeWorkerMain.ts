import { parentPort, workerData } from 'node:worker_threads'
import type { StreamWorkerScope } from '../../../middleware/stream/worker/serveStreamWorker'
import { serveStreamWorker } from '../../../middleware/stream/worker/streamWorker'

// A Node worker thread standing in for a browser's dedicated worker: same code, served on
// parentPort; `workerData.mapPrices` gives it a map of its own, as an app's worker module would.
const mapPrices = (chunk: unknown) => {
  const { symbol, last } = chunk as { symbol: string; last: number }
  return { ops: [{ op: 'add' as const, path: ['feed', 'prices', symbol], value: last }] }
}
serveStreamWorker(
  parentPort as unknown as StreamWorkerScope,
  (workerData as { mapPrices?: boolean } | null)?.mapPrices ? { map: mapPrices } : {},
)
