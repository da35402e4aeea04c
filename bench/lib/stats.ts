/** The q-quantile (0..1) of numbers, nearest-rank on a sorted copy. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

/** Rounds to two decimals for printing. */
export const round2 = (value: number) => Math.round(value * 100) / 100
