/** Waits `ms`, or less when `aborted` settles first (a stopped stream wakes at once). */
export function sleep(ms: number, aborted: Promise<null>): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms)
    }),
    aborted,
  ]).finally(() => clearTimeout(timer))
}
