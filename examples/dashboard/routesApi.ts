import { createApi, fetchBaseQuery } from '@reduxjs/toolkit/query/react'
import { streamIntoCache } from 'patchwire'
import { type RouteHits, RouteHits as RouteHitsSchema } from '../shared/schemas'

/** The stream that keeps the endpoint's cache entry current (server-sent events, one per tick). */
export const ROUTES_STREAM_URL = '/examples/routes/stream'

/**
 * An RTK Query api whose one endpoint loads the requests by route, then
 * follows them live: `streamIntoCache` is its `onCacheEntryAdded`, so the
 * stream resumes after the tick the query loaded, every chunk is checked by the
 * schema, and the stream stops when the cache entry is removed (a second after
 * the last component using it unmounts).
 */
export const routesApi = createApi({
  reducerPath: 'routesApi',
  baseQuery: fetchBaseQuery({ baseUrl: '/examples' }),
  keepUnusedDataFor: 1,
  endpoints: (build) => ({
    routeHits: build.query<RouteHits, void>({
      query: () => '/routes',
      onCacheEntryAdded: streamIntoCache({
        id: 'routes',
        url: ROUTES_STREAM_URL,
        format: 'sse',
        schema: RouteHitsSchema,
        // The loaded data already holds its tick: the stream starts after it.
        cursor: (data) => String(data.tick),
        backoff: { baseMs: 250, capMs: 2_000 },
      }),
    }),
  }),
})

export const { useRouteHitsQuery } = routesApi
