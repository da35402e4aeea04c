/**
 * The seed's timestamps, "YYYY-MM-DD HH:MM:SS", in Kazakhstan's time (UTC+5 all year since March 2024): what its
 * integrators parse today. The zone is fixed and written down in the design doc; the seed gives none.
 */
const OFFSET_MS = 5 * 60 * 60 * 1000

export function seedTime(date: Date): string {
  return new Date(date.getTime() + OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ')
}

export function seedTimeOrNull(date: Date | null): string | null {
  return date === null ? null : seedTime(date)
}
