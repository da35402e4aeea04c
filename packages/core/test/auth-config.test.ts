import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Type } from 'typebox'
import { basicAuthHeader, constantTimeEqual, parseBasicAuth, sha256Hex, TtlCache } from '../src/auth.ts'
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
