import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ConfigError } from '@kokdala/core'
import { loadFiscalConfig } from '../src/config.ts'

const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`

test('in development the service starts without Webkassa credentials', () => {
  const config = loadFiscalConfig({})
  assert.equal(config.FISCAL_PORT, 8082)
  assert.equal(config.FISCAL_WEBKASSA_LOGIN, undefined)
  assert.equal(config.FISCAL_TOKEN_REFRESH_AT, '05:00')
  assert.equal(config.FISCAL_TIMEZONE, 'Asia/Almaty')
})

test('in production every missing secret is a start-up error naming it, and only it', () => {
  assert.throws(
    () => loadFiscalConfig({ NODE_ENV: 'production', FISCAL_WEBKASSA_LOGIN: 'cashier@example.kz' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.deepEqual(
        error.problems.map((problem) => problem.split(':')[0]),
        ['FISCAL_WEBKASSA_API_KEY', 'FISCAL_WEBKASSA_PASSWORD', 'FISCAL_TOKEN_KEYS'],
      )
      assert.doesNotMatch(error.message, /cashier@example\.kz/)
      return true
    },
  )
})

test('secrets are read from <NAME>_FILE, one trailing newline dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fiscal-secrets-'))
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text)
    return join(dir, name)
  }
  const config = loadFiscalConfig({
    NODE_ENV: 'production',
    FISCAL_WEBKASSA_API_KEY_FILE: file('key', 'api-key-from-file\n'),
    FISCAL_WEBKASSA_LOGIN_FILE: file('login', 'login-from-file'),
    FISCAL_WEBKASSA_PASSWORD_FILE: file('password', 'pass word\n'),
    FISCAL_TOKEN_KEYS_FILE: file('keys', `${KEYS}\n`),
  })
  assert.equal(config.FISCAL_WEBKASSA_API_KEY, 'api-key-from-file')
  assert.equal(config.FISCAL_WEBKASSA_LOGIN, 'login-from-file')
  assert.equal(config.FISCAL_WEBKASSA_PASSWORD, 'pass word')
  assert.equal(config.FISCAL_TOKEN_KEYS, KEYS)
})

test('a secret set twice, or a file that cannot be read, is a start-up error without the secret in it', () => {
  assert.throws(
    () =>
      loadFiscalConfig({
        FISCAL_WEBKASSA_PASSWORD: 'the-password-itself',
        FISCAL_WEBKASSA_PASSWORD_FILE: '/nonexistent/password',
        FISCAL_WEBKASSA_LOGIN_FILE: '/nonexistent/login',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.problems.length, 2)
      assert.match(error.message, /FISCAL_WEBKASSA_PASSWORD: set either/)
      assert.match(error.message, /FISCAL_WEBKASSA_LOGIN_FILE: cannot read \/nonexistent\/login \(ENOENT\)/)
      assert.doesNotMatch(error.message, /the-password-itself/)
      return true
    },
  )
})

test('the production profile of the descriptor makes the secrets required', async () => {
  const { fiscalService } = await import('../src/service.ts')
  const env: Record<string, string | undefined> = { ...fiscalService.profiles?.production }
  assert.throws(() => fiscalService.loadConfig(env), /FISCAL_WEBKASSA_API_KEY: required in production/)
})

test('`kokdala start` names the status page and prints the demo admin token, never a real one', async () => {
  const { fiscalService } = await import('../src/service.ts')
  const demo = fiscalService.loadConfig({ ...fiscalService.profiles?.demo })
  const demoLines = fiscalService.describe(demo).join('\n')
  assert.match(demoLines, /status page http:\/\/127\.0\.0\.1:8082\/status/)
  assert.match(demoLines, new RegExp(`admin token ${demo.FISCAL_ADMIN_TOKEN}`))
  const real = 'r'.repeat(40)
  const realLines = fiscalService.describe(
    fiscalService.loadConfig({ ...fiscalService.profiles?.demo, FISCAL_ADMIN_TOKEN: real }),
  )
  assert.doesNotMatch(realLines.join('\n'), new RegExp(real))
  assert.match(realLines.join('\n'), /sign in with FISCAL_ADMIN_TOKEN/)
  const none = fiscalService.loadConfig({ ...fiscalService.profiles?.demo, FISCAL_ADMIN_TOKEN: undefined })
  assert.match(fiscalService.describe(none).join('\n'), /set FISCAL_ADMIN_TOKEN to sign in/)
})
