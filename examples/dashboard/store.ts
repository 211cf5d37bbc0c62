import { createSlice } from '@reduxjs/toolkit'
import { stream } from 'patchwire'
import { exampleStore } from '../shared/exampleStore'
import { DashboardState, type MetricPoint } from '../shared/schemas'
import { routesApi } from './routesApi'

/** Where the example server serves its metrics as server-sent events. */
export const METRICS_URL = '/examples/metrics'

// The slice has no reducers of its own: every point arrives through the stream as applyPatch.
const metricsSlice = createSlice({
  name: 'metrics',
  initialState: { window: {} as Record<string, MetricPoint>, latest: null as MetricPoint | null },
  reducers: {},
})

export function makeDashboardStore() {
  return exampleStore({
    // The RTK Query api beside the slice: its cache entry is fed by a stream of its own (routesApi.ts).
    reducers: { metrics: metricsSlice.reducer, [routesApi.reducerPath]: routesApi.reducer },
    schema: DashboardState,
    transports: [
      stream({
        id: 'metrics',
        url: METRICS_URL,
        format: 'sse',
        // Short waits so a restarted server is picked up quickly in the demo.
        backoff: { baseMs: 250, capMs: 2_000 },
      }).middleware,
      routesApi.middleware,
    ],
  })
}

export type DashboardRootState = ReturnType<ReturnType<typeof makeDashboardStore>['getState']>
