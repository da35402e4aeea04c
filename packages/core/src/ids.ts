import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** A random identifier from an unambiguous alphabet, e.g. for 12-char transaction ids. */
export function randomId(length = 12): string {
  const bytes = randomBytes(length)
  let out = ''
  for (const byte of bytes) out += ALPHABET[byte & 31]
  return out
}

/** A prefixed public id such as `pay_8Q2M…`, readable in logs and impossible to confuse across kinds. */
export function prefixedId(prefix: string, length = 16): string {
  return `${prefix}_${randomId(length)}`
}
