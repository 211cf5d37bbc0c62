import { ROUTES } from '../shared/schemas'
import { useRouteHitsQuery } from './routesApi'

/** Requests by route, from an RTK Query endpoint that a patchwire stream keeps current. */
export function RoutesPanel() {
  const { data, error, isLoading } = useRouteHitsQuery()
  if (isLoading) return <p>Loading requests by route…</p>
  if (error || !data) return <p style={{ color: '#b3261e' }}>Requests by route failed to load.</p>
  return (
    <table style={{ borderCollapse: 'collapse', minWidth: 260 }}>
      <caption style={{ textAlign: 'left' }}>
        Requests by route at tick <code data-testid="routes-tick">{data.tick}</code>
      </caption>
      <tbody>
        {ROUTES.map((route) => (
          <tr key={route} data-testid="route-row">
            <td style={{ padding: '2px 12px 2px 0' }}>
              <code>{route}</code>
            </td>
            <td style={{ textAlign: 'right' }} data-testid="route-hits">
              {data.hits[route] ?? 0}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
