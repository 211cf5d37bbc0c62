import type { StreamChangeInput } from '../../../middleware/stream/types'

/** A rich quote record as an indexer serves it; the page keeps its symbol's last price. */
export interface QuoteRecord {
  symbol: string
  last: number
}

/** Keeps one field of a quote record: the same function runs in the page or in the worker. */
export function mapQuote(chunk: unknown): StreamChangeInput | null {
  const quote = chunk as QuoteRecord
  if (typeof quote?.symbol !== 'string') return null
  return { ops: [{ op: 'add', path: ['feed', 'prices', quote.symbol], value: quote.last }] }
}
