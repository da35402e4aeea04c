import { createHash } from 'node:crypto'

// A fixed namespace so a restarted simulator hands out the same place ids: the tickets service stores them as
// `external_id` and must find them again after either side restarts.
const PLACE_NAMESPACE = 'a8f0c5d2-3b1e-4c47-9a6d-5e2f7b8c9d10'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A name-based UUID (version 5, RFC 9562): SHA-1 of the namespace bytes followed by the name. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name)
    .digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The stable id of the seeded place at `row`, `seat`. */
export function seededPlaceId(row: number, seat: number): string {
  return uuidV5(PLACE_NAMESPACE, `place:${row}:${seat}`)
}

/**
 * Parses a UUID the way the provider's handlers use it: a canonical 8-4-4-4-12 hex string, compared
 * case-insensitively (Java's `UUID` equality). Returns `undefined` when it is not one.
 */
export function parseUuid(value: unknown): string | undefined {
  return typeof value === 'string' && UUID_PATTERN.test(value) ? value.toLowerCase() : undefined
}
