import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Type } from 'typebox'
import {
  basicAuthHeader,
  basicAuthToken,
  constantTimeEqual,
  MAX_BASIC_AUTH_HEADER_LENGTH,
  parseBasicAuth,
  sha256Hex,
  TtlCache,
} from '../src/auth.ts'
import { ConfigError, loadConfig } from '../src/config.ts'

test('Basic credentials are decoded as UTF-8 and split at the first colon', () => {
  assert.deepEqual(parseBasicAuth(basicAuthHeader('іnzhu@quick.pass', 'a:b:c')), {
    username: 'іnzhu@quick.pass',
    password: 'a:b:c',
  })
  assert.deepEqual(parseBasicAuth(`basic ${Buffer.from('u:').toString('base64')}`), { username: 'u', password: '' })
  for (const bad of [
    undefined,
    '',
    'Bearer x',
    `Basic ${Buffer.from('no-colon').toString('base64')}`,
    basicAuthHeader('', 'password'),
  ]) {
    assert.equal(parseBasicAuth(bad), undefined, String(bad))
  }
})

test('Basic credentials are refused unless the base64 is canonical, so one set of credentials has one token', () => {
  const valid = basicAuthHeader('u@x.kz', 'pass')
  const token = valid.slice('Basic '.length)
  assert.deepEqual(parseBasicAuth(valid), { username: 'u@x.kz', password: 'pass' })
  for (const scheme of ['basic', 'BASIC', 'bAsIc']) {
    assert.deepEqual(parseBasicAuth(`${scheme} ${token}`), { username: 'u@x.kz', password: 'pass' }, scheme)
    assert.equal(basicAuthToken(`${scheme}   ${token}`), token, 'the scheme and spacing do not change the token')
  }
  const junk = [
    `${valid}junk`, // Buffer.from(…, 'base64') stops at the padding and ignores the rest
    `${valid}=`,
    `${valid}!!`,
    `${valid} x`,
    `Basic ${token.slice(0, 4)}\t${token.slice(4)}`,
    `Basic ${token.replace(/=+$/, '')}`, // padding left out
    `Basic ${Buffer.from('u:pa').toString('base64').replace('YQ==', 'YR==')}`, // stray bits after the last byte
    `Basic ${Buffer.from('u:???').toString('base64').replace('/', '_')}`, // the URL-safe alphabet
    `Basic ${Buffer.from('u:~~~').toString('base64').replace('+', '-')}`,
    `Basic:${token}`,
    `Basic${token}`,
  ]
  for (const header of junk) assert.equal(parseBasicAuth(header), undefined, header)
})

test('Basic credentials with control characters, invalid UTF-8 or over the length limit are refused', () => {
  for (const [user, password] of [
    ['a\u0000b', 'p'],
    ['u', 'p\u0000'],
    ['u\n', 'p'],
    ['u', 'p\r\n'],
    ['u\u007f', 'p'],
    ['u\u0085', 'p'],
  ]) {
    assert.equal(parseBasicAuth(basicAuthHeader(user, password)), undefined, JSON.stringify([user, password]))
  }
  const latin1 = `Basic ${Buffer.from([0x75, 0xe9, 0x3a, 0x70]).toString('base64')}` // 'ué:p' in Latin-1
  assert.equal(parseBasicAuth(latin1), undefined)
  const bom = `Basic ${Buffer.from('\ufeffu:p').toString('base64')}`
  assert.deepEqual(parseBasicAuth(bom), { username: '\ufeffu', password: 'p' }, 'a BOM is kept, not dropped')

  const longest = basicAuthHeader('u', 'p'.repeat(760))
  const tooLong = basicAuthHeader('u', 'p'.repeat(761))
  assert.ok(longest.length <= MAX_BASIC_AUTH_HEADER_LENGTH && tooLong.length > MAX_BASIC_AUTH_HEADER_LENGTH)
  assert.equal(parseBasicAuth(longest)?.password.length, 760)
  assert.equal(parseBasicAuth(tooLong), undefined)
  assert.equal(basicAuthToken(tooLong), undefined)
})

test('sha256Hex matches the HackLoad data set vector and comparisons are exact', () => {
  const hash = sha256Hex('/8eC$AD>')
  assert.ok(hash.startsWith('bb8d4411') && hash.endsWith('905e'))
  assert.ok(constantTimeEqual(hash, sha256Hex('/8eC$AD>')))
  assert.ok(!constantTimeEqual(hash, sha256Hex('/8eC$AD')))
  assert.ok(!constantTimeEqual('a', 'ab'))
})

test('TtlCache forgets entries after their time and the oldest when full', () => {
  const cache = new TtlCache<string, number>(2, 1_000)
  cache.set('a', 1, 0)
  cache.set('b', 2, 0)
  assert.equal(cache.get('a', 999), 1)
  assert.equal(cache.get('a', 1_000), undefined)
  cache.set('c', 3, 0)
  cache.set('d', 4, 0)
  assert.equal(cache.get('b', 10), undefined, 'evicted as the oldest')
  assert.equal(cache.get('d', 10), 4)
})

test('TtlCache drops expired entries when new ones are set, without them being read', () => {
  const cache = new TtlCache<string, number>(1_000, 1_000)
  for (let i = 0; i < 500; i++) cache.set(`old ${i}`, i, i)
  assert.equal(cache.size, 500)
  cache.set('new', 1, 1_250)
  assert.equal(cache.size, 250, 'the 251 entries that expired by 1 250 ms are gone')
  cache.set('newer', 2, 2_000)
  assert.equal(cache.size, 2)
  assert.equal(cache.get('new', 2_000), 1)
})

test('TtlCache keeps its estimated memory within its byte budget', () => {
  const cache = new TtlCache<string, string>(1_000, 60_000, {
    maxBytes: 1_000,
    sizeOf: (key, value) => key.length + value.length,
  })
  for (let i = 0; i < 100; i++) cache.set(`k${i}`.padEnd(50, '.'), 'v'.repeat(50), 0)
  assert.equal(cache.size, 10)
  assert.equal(cache.bytes, 1_000)
  assert.equal(cache.get(`k99`.padEnd(50, '.'), 1), 'v'.repeat(50), 'the newest are kept')
  assert.equal(cache.get(`k89`.padEnd(50, '.'), 1), undefined, 'the oldest went first')
  cache.set('huge', 'x'.repeat(2_000), 0)
  assert.equal(cache.get('huge', 1), undefined, 'an entry over the whole budget is not kept')
  assert.equal(cache.size, 10)
  cache.set(`k99`.padEnd(50, '.'), 'v', 0)
  assert.equal(cache.bytes, 951, 'replacing an entry gives its bytes back')
})

test('loadConfig converts and defaults values and lists every problem at once', () => {
  const schema = Type.Object({
    PORT: Type.Integer({ default: 8080, minimum: 1 }),
    VERBOSE: Type.Boolean({ default: false }),
    SECRET: Type.String({ minLength: 8 }),
  })
  assert.deepEqual(loadConfig(schema, { PORT: '9000', VERBOSE: 'true', SECRET: 'long enough', OTHER: 'x' }), {
    PORT: 9000,
    VERBOSE: true,
    SECRET: 'long enough',
  })
  try {
    loadConfig(schema, { PORT: 'abc', SECRET: '' })
    assert.fail('expected a ConfigError')
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    assert.equal(error.problems.length, 2, error.message)
    assert.match(error.message, /PORT/)
    assert.match(error.message, /SECRET/)
  }
})
