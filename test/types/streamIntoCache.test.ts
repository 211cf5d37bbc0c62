import { configureStore } from '@reduxjs/toolkit'
import { createApi, fetchBaseQuery } from '@reduxjs/toolkit/query'
import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { PATCHWIRE_KEY, patchwireReducer, streamIntoCache } from '../../src/index'

// The "RTK Query" example of docs/how-to/streaming.md, as written there.
const Prices = z.object({
  lastEventId: z.string().nullable(),
  prices: z.record(z.string(), z.number()),
})
type Prices = z.infer<typeof Prices>

const pricesApi = createApi({
  reducerPath: 'pricesApi',
  baseQuery: fetchBaseQuery({ baseUrl: '/api' }),
  endpoints: (build) => ({
    prices: build.query<Prices, string>({
      query: (market) => `/prices/${market}`,
      onCacheEntryAdded: streamIntoCache({
        id: (market) => `prices:${market}`,
        url: (market) => `/api/prices/${market}/stream`,
        format: 'sse',
        schema: Prices,
        // The snapshot says which event it already contains: the stream resumes after it.
        cursor: (snapshot) => snapshot.lastEventId,
      }),
    }),
  }),
})

const store = configureStore({
  reducer: { [pricesApi.reducerPath]: pricesApi.reducer, [PATCHWIRE_KEY]: patchwireReducer },
  middleware: (gDM) => gDM().concat(pricesApi.middleware),
})

describe('streamIntoCache types', () => {
  it('takes the endpoint argument from the endpoint it is the onCacheEntryAdded of', () => {
    const handler = streamIntoCache({
      id: (market: string) => `prices:${market}`,
      url: '/stream',
      schema: Prices,
    })
    expectTypeOf(handler).parameter(0).toEqualTypeOf<string>()
  })

  it('hands the cursor option the data type of the schema', () => {
    streamIntoCache({
      id: 'prices',
      url: '/stream',
      schema: Prices,
      cursor: (data) => {
        expectTypeOf(data).toEqualTypeOf<Prices>()
        return null
      },
    })
  })

  it('leaves the cache entry typed by its endpoint in the store', () => {
    const data = pricesApi.endpoints.prices.select('AAPL')(store.getState()).data
    expectTypeOf(data).toEqualTypeOf<Prices | undefined>()
  })
})
