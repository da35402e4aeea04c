import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseKeyring, SealedSecretError, secretFingerprint } from '../src/sealed-secrets.ts'

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64')

test('a sealed value opens with the same additional data and is not readable as it is stored', () => {
  const ring = parseKeyring(`k1:${key(1)}`)
  const sealed = ring.seal('0123456789abcdef0123456789abcdef', 'default')
  assert.equal(sealed.keyVersion, 'k1')
  assert.doesNotMatch(Buffer.from(sealed.ciphertext, 'base64').toString('latin1'), /0123456789abcdef/)
  assert.equal(ring.open(sealed, 'default'), '0123456789abcdef0123456789abcdef')
})

test('sealing twice gives two ciphertexts (a fresh IV each time)', () => {
  const ring = parseKeyring(`k1:${key(1)}`)
  assert.notEqual(ring.seal('same', 'a').ciphertext, ring.seal('same', 'a').ciphertext)
})

test('a changed byte, another account or another key version is refused as tampered or unknown', () => {
  const ring = parseKeyring(`k1:${key(1)},k0:${key(0)}`)
  const sealed = ring.seal('secret-token', 'default')
  const raw = Buffer.from(sealed.ciphertext, 'base64')
  for (const index of [0, 12, 28, raw.length - 1]) {
    const changed = Buffer.from(raw)
    changed[index] = (changed[index] as number) ^ 1
    assert.throws(
      () => ring.open({ ...sealed, ciphertext: changed.toString('base64') }, 'default'),
      (error: unknown) => error instanceof SealedSecretError && error.reason === 'tampered',
      `byte ${index}`,
    )
  }
  assert.throws(() => ring.open(sealed, 'tenant-2'), /fails/)
  assert.throws(() => ring.open({ ...sealed, keyVersion: 'k0' }, 'default'), /fails/)
  assert.throws(() => ring.open({ ...sealed, keyVersion: 'k9' }, 'default'), /no key of version k9/)
  assert.throws(() => ring.open({ ...sealed, ciphertext: 'AAAA' }, 'default'), /fails/)
})

test('rotation: a new key in front seals, the old one still opens what it sealed', () => {
  const old = parseKeyring(`v1:${key(1)}`)
  const sealedBefore = old.seal('token-before', 'default')
  const rotated = parseKeyring(`v2:${key(2)},v1:${key(1)}`)
  assert.equal(rotated.open(sealedBefore, 'default'), 'token-before')
  const sealedAfter = rotated.seal('token-after', 'default')
  assert.equal(sealedAfter.keyVersion, 'v2')
  assert.throws(() => old.open(sealedAfter, 'default'), /no key of version v2/)
})

test('a keyring refuses short keys, bad versions and duplicates without echoing a key', () => {
  assert.throws(() => parseKeyring(`k1:${Buffer.alloc(16).toString('base64')}`), /k1: must be 32 bytes/)
  assert.throws(() => parseKeyring(`:${key(1)}`), /key 1: expected version:base64key/)
  assert.throws(() => parseKeyring(`k1:${key(1)},k1:${key(2)}`), /k1: listed twice/)
  try {
    parseKeyring(`k1:${key(1)},bad version:${key(3)}`)
  } catch (error) {
    assert.doesNotMatch((error as Error).message, new RegExp(key(3).slice(0, 10)))
  }
})

test('a fingerprint is the first 8 hex characters of SHA-256', () => {
  // sha256("abc") = ba7816bf…
  assert.equal(secretFingerprint('abc'), 'ba7816bf')
})
