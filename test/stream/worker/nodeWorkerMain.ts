import { parentPort } from 'node:worker_threads'
import type { StreamWorkerScope } from '../../../middleware/stream/worker/serveStreamWorker'
import { serveStreamWorker } from '../../../middleware/stream/worker/streamWorker'

// A Node worker thread standing in for a browser's dedicated worker: same code, served on parentPort.
serveStreamWorker(parentPort as unknown as StreamWorkerScope)
