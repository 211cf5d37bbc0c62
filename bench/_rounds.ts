/**
 * Shared by the benches that compare variants: every round runs each variant once, in
 * turn, so a noisy stretch of a shared machine hits all variants alike; each cell is the
 * median of its rounds.
 */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Runs `rounds` rounds of every variant, interleaved, and returns each variant's samples. */
export async function interleaved<K extends string>(
  rounds: number,
  variants: Record<K, () => number | Promise<number>>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(variants) as K[]
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>
  for (let r = 0; r < rounds; r++) {
    // Rotate the starting variant so none always runs first (on a cold cache) or last.
    for (let i = 0; i < names.length; i++) {
      const name = names[(r + i) % names.length]!
      // With --expose-gc, each sample starts on a collected heap instead of paying for the
      // garbage the variant before it left.
      ;(globalThis as { gc?: () => void }).gc?.()
      samples[name].push(await variants[name]())
    }
  }
  return samples
}

/** Prints rows as an aligned plain-text table: the first `textColumns` left-aligned, figures right-aligned. */
export function printTable(rows: readonly (readonly string[])[], textColumns = 1): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  for (const row of rows)
    console.log(
      row
        .map((cell, c) => (c < textColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
}
