/**
 * Secrets kept at rest (a partner's session token, say) sealed with AES-256-GCM under a versioned keyring: the
 * first key seals, every key opens, so rotating is adding a new key in front and dropping the old one once nothing
 * sealed under it is left. The additional data binds a sealed value to its owner (an account id), so a ciphertext
 * copied to another row does not open there.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32
const VERSION = /^[A-Za-z0-9_-]{1,32}$/

/** A value as stored: the key version that sealed it and `base64(iv ‖ tag ‖ ciphertext)`. */
export interface SealedSecret {
  keyVersion: string
  ciphertext: string
}

export interface Keyring {
  /** The version new values are sealed with. */
  readonly currentVersion: string
  /** Every version that still opens. */
  readonly versions: readonly string[]
  seal(plaintext: string, additionalData: string): SealedSecret
  /** Throws SealedSecretError when the key is unknown or the value, its tag or the additional data was changed. */
  open(sealed: SealedSecret, additionalData: string): string
}

/** A sealed value that cannot be opened; says why without any part of the value. */
export class SealedSecretError extends Error {
  readonly reason: 'unknown_key' | 'tampered'
  constructor(reason: 'unknown_key' | 'tampered', keyVersion: string) {
    super(reason === 'unknown_key' ? `no key of version ${keyVersion}` : `sealed value under ${keyVersion} fails`)
    this.name = 'SealedSecretError'
    this.reason = reason
  }
}

/**
 * Reads a keyring from `version:base64key,…` (the first is current). Every key must be 32 bytes and every version
 * distinct; a problem names the entry's version and position, never the key.
 */
export function parseKeyring(spec: string): Keyring {
  const keys = new Map<string, Buffer>()
  const entries = spec.split(',').map((entry) => entry.trim())
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':')
    const version = colon > 0 ? entry.slice(0, colon) : ''
    if (!VERSION.test(version)) throw new RangeError(`key ${index + 1}: expected version:base64key`)
    const key = Buffer.from(entry.slice(colon + 1), 'base64')
    if (key.length !== KEY_BYTES) throw new RangeError(`key ${version}: must be ${KEY_BYTES} bytes, base64-encoded`)
    if (keys.has(version)) throw new RangeError(`key ${version}: listed twice`)
    keys.set(version, key)
  }
  return createKeyring(keys)
}

/** A keyring over keys in order, the first current. */
export function createKeyring(keys: ReadonlyMap<string, Buffer>): Keyring {
  const versions = [...keys.keys()]
  const currentVersion = versions[0]
  if (currentVersion === undefined) throw new RangeError('a keyring needs at least one key')
  return {
    currentVersion,
    versions,
    seal(plaintext, additionalData) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', keys.get(currentVersion) as Buffer, iv)
      cipher.setAAD(Buffer.from(additionalData, 'utf8'))
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return {
        keyVersion: currentVersion,
        ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'),
      }
    },
    open({ keyVersion, ciphertext }, additionalData) {
      const key = keys.get(keyVersion)
      if (!key) throw new SealedSecretError('unknown_key', keyVersion)
      const raw = Buffer.from(ciphertext, 'base64')
      if (raw.length < IV_BYTES + TAG_BYTES) throw new SealedSecretError('tampered', keyVersion)
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES))
        decipher.setAAD(Buffer.from(additionalData, 'utf8'))
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
      } catch {
        throw new SealedSecretError('tampered', keyVersion)
      }
    },
  }
}

/** What logs may show of a secret: the first 8 hex characters of its SHA-256. */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8)
}
