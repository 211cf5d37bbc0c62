/** Runs async tasks one after another, in the order they were queued. */
export interface SerialQueue {
  run<T>(task: () => Promise<T>): Promise<T>
  /** True when no task is queued or running. */
  idle(): boolean
  /** Resolves when the tasks queued so far have settled. */
  drained(): Promise<void>
}

/**
 * Creates a queue that serializes a room's work, so one process never races
 * itself on the room's sequence; a failing task does not stop the next.
 */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve()
  let pending = 0
  return {
    run(task) {
      pending++
      const result = tail.then(task)
      tail = result.then(
        () => pending--,
        () => pending--,
      )
      return result
    },
    idle: () => pending === 0,
    drained: () => tail.then(() => undefined),
  }
}
