import { isPatchwireError } from 'patchwire'
import { Component, type ReactNode } from 'react'

/**
 * Shows why the relay would not let this tab into the room (`useRoomSuspense`
 * throws `join_refused` with the reason, e.g. `skew` after a schema change)
 * instead of an empty room.
 */
export class JoinErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state = { error: null as unknown }

  static getDerivedStateFromError(error: unknown) {
    return { error }
  }

  override render() {
    const { error } = this.state
    if (error === null) return this.props.children
    const why = isPatchwireError(error, 'join_refused')
      ? `the relay refused to let this tab in (${error.details.reason}).`
      : String(error)
    return (
      <p role="alert" data-testid="join-error" style={{ color: '#a3261b' }}>
        Cannot open this room: {why}
      </p>
    )
  }
}
