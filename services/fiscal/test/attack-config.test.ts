import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError } from '@kokdala/core'
import { loadFiscalConfig } from '../src/config.ts'

/**
 * FISCAL_* garbage at start-up: every bad value is a ConfigError naming the setting (all of them at once), raised by
 * `loadFiscalConfig` before a database or a socket is opened, and never quoting a secret. Before, a short key in
 * FISCAL_TOKEN_KEYS or bad JSON in FISCAL_PAYMENT_TYPES threw a bare RangeError from inside `buildFiscalApp`, a
 * malformed webhook secret passed start-up and turned every payments event into a 500, and "12.5" became 12.
 */
const KEY = Buffer.alloc(32, 7).toString('base64')
const SECRET_MARK = 'S3CR3TMARK'

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadFiscalConfig(env)
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, not ${(error as Error).constructor.name}`)
    return error.problems
  }
  assert.fail(`accepted ${JSON.stringify(env)}`)
}

describe('attack: FISCAL_* configuration garbage', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['a 16-byte token key', { FISCAL_TOKEN_KEYS: `k1:${Buffer.alloc(16, 1).toString('base64')}` }, /32 bytes/],
    ['a token key listed twice', { FISCAL_TOKEN_KEYS: `k1:${KEY},k1:${KEY}` }, /listed twice/],
    ['a token key that is not base64', { FISCAL_TOKEN_KEYS: `k1:${SECRET_MARK}!!` }, /pattern/],
    ['payment types that are not JSON', { FISCAL_PAYMENT_TYPES: '{kaspi_gold: 4' }, /not JSON/],
    ['payment types as an array', { FISCAL_PAYMENT_TYPES: '[4]' }, /JSON object/],
    ['an unknown payment type', { FISCAL_PAYMENT_TYPES: '{"kaspi_gold": 9}' }, /not a Webkassa PaymentType/],
    ['a payment type as a string', { FISCAL_PAYMENT_TYPES: '{"kaspi_gold": "4"}' }, /not a Webkassa PaymentType/],
    ['a cashbox number with a space', { FISCAL_CASHBOXES: 'SWK1,bad box' }, /not a cashbox number/],
    ['an unknown time zone', { FISCAL_TIMEZONE: 'Mars/Olympus' }, /time zone/i],
    ['a Webkassa URL that is no URL', { FISCAL_WEBKASSA_URL: 'not a url' }, /http\(s\) URL/],
    ['a Webkassa URL of another scheme', { FISCAL_WEBKASSA_URL: 'file:///etc/passwd' }, /http\(s\) URL/],
    ['a webhook secret without whsec_', { FISCAL_PAYMENTS_WEBHOOK_SECRET: SECRET_MARK }, /whsec_/],
    ['a whsec_ secret of 3 bytes', { FISCAL_PAYMENTS_WEBHOOK_SECRET: 'whsec_U0VD' }, /base64 of/],
    ['a VAT rate with decimals', { FISCAL_VAT_PERCENT: '12.5' }, /whole number/],
    ['a port with decimals', { FISCAL_PORT: '8082.9' }, /whole number/],
    ['a VAT rate above 100', { FISCAL_VAT_PERCENT: '112' }, /<= 100/],
  ]
  for (const [label, env, reason] of cases) {
    test(`${label} is a start-up error naming the setting`, () => {
      const problems = problemsOf(env)
      const name = Object.keys(env)[0]
      assert.equal(problems.length, 1, problems.join('; '))
      assert.ok(problems[0].startsWith(`${name}: `), problems[0])
      assert.match(problems[0], reason)
      assert.doesNotMatch(problems[0], new RegExp(SECRET_MARK))
      assert.ok(!problems[0].includes(KEY), 'the key is not quoted')
    })
  }

  test('several bad settings are listed together, with the production secrets still missing', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      FISCAL_WEBKASSA_API_KEY: 'k',
      FISCAL_WEBKASSA_LOGIN: 'l',
      FISCAL_WEBKASSA_PASSWORD: 'p',
      FISCAL_PAYMENT_TYPES: '{',
      FISCAL_CASHBOXES: 'a b',
      FISCAL_PAYMENTS_WEBHOOK_SECRET: 'nope',
    })
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), [
      'FISCAL_CASHBOXES',
      'FISCAL_PAYMENTS_WEBHOOK_SECRET',
      'FISCAL_PAYMENT_TYPES',
      'FISCAL_TOKEN_KEYS',
    ])
  })

  test('good values of the same settings start', () => {
    const config = loadFiscalConfig({
      FISCAL_TOKEN_KEYS: `k2:${KEY},k1:${Buffer.alloc(32, 1).toString('base64')}`,
      FISCAL_PAYMENT_TYPES: '{"kaspi_gold": 4, "cash_desk": 0}',
      FISCAL_CASHBOXES: 'SWK1, SWK2',
      FISCAL_TIMEZONE: 'Asia/Aqtobe',
      FISCAL_PAYMENTS_WEBHOOK_SECRET: `whsec_${KEY}`,
      FISCAL_WEBKASSA_URL: 'https://devkkm.webkassa.kz',
      FISCAL_VAT_PERCENT: '12',
    })
    assert.equal(config.FISCAL_VAT_PERCENT, 12)
  })
})
