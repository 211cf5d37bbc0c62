// The two stream workloads of the worker benches (bench/streamWorker.ts in
// Chromium, bench/workerSink.ts in Node), so both measure the same chunks.

/** A patch chunk applied whole: one quote written at its symbol's key. */
export const quote = (i: number) => ({
  type: 'patch',
  ops: [
    {
      op: 'add',
      path: ['feed', 'prices', `s${i % 500}`],
      value: {
        symbol: `s${i % 500}`,
        bid: 100 + (i % 97) / 10,
        ask: 100.5 + (i % 89) / 10,
        volume: i * 13,
        venue: ['XNAS', 'XNYS', 'BATS'][i % 3],
        history: [i, i + 1, i + 2, i + 3, i + 4],
      },
    },
  ],
})

/**
 * A rich record as an indexer serves it (an order book, recent trades), of
 * which the app keeps only `last`, through `map`.
 */
export const record = (i: number) => ({
  symbol: `s${i % 500}`,
  last: 100 + (i % 97) / 10,
  book: Array.from({ length: 20 }, (_, k) => ({ price: 100 + k / 10, size: (i + k) % 1000 })),
  trades: Array.from({ length: 10 }, (_, k) => ({ at: i * 10 + k, price: 100 + k, size: k })),
  venue: ['XNAS', 'XNYS', 'BATS'][i % 3],
})
