import { serveStreamWorker } from '../../../middleware/stream/worker/streamWorker'
import { mapQuote } from './quote'

// The app's own worker module: the stream worker with a map, so quote records are
// reduced to the one field the page keeps before they cross to the main thread.
serveStreamWorker(self, { map: mapQuote })
