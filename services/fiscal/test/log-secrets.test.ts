import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { WEBKASSA_SIM_DEMO } from '@kokdala/webkassa-simulator'
import { ADMIN_TOKEN } from './harness.ts'
import { SECRETS } from './secrets.ts'

/**
 * No Webkassa secret in a log line: the token tests run again in a child `node --test` with every app logging at
 * trace level and request logging on, and everything the child prints (the apps' pino output, the runner's report)
 * is searched for the login, the password, the API key, the admin token and any token the fakes issued.
 */
const FILES = [
  'tokens-single-flight.test.ts',
  'tokens-storage.test.ts',
  'tokens-schedule.test.ts',
  'tokens-api.test.ts',
  'tokens-simulator.test.ts',
  'tokens-processes.test.ts',
  // The status page sends the operator's admin token on through the service's own router.
  'page.test.ts',
].map((file) => fileURLToPath(new URL(file, import.meta.url)))

test('the logs of the token tests at trace level hold no token, password, login or API key', async () => {
  // Without the runner's marker the child is a run of its own, not a file of this one.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...FILES], {
    env: { ...env, FISCAL_TEST_LOG_LEVEL: 'trace' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  assert.equal(code, 0, `the token tests failed under trace logging:\n${output.slice(-3000)}`)

  // The logs were captured: logins are logged by fingerprint, and requests at trace level.
  assert.match(output, /"msg":"webkassa token obtained"/)
  assert.match(output, /"fingerprint":"[0-9a-f]{8}"/)
  assert.match(output, /"msg":"webkassa refused the credentials; logins paused"/)

  const secrets = {
    login: SECRETS.login,
    password: SECRETS.password,
    apiKey: SECRETS.apiKey,
    'token (any issued by the fakes)': SECRETS.tokenMarker,
    'admin token': ADMIN_TOKEN,
    'simulator password': WEBKASSA_SIM_DEMO.password,
    'simulator API key': WEBKASSA_SIM_DEMO.apiKey,
  }
  for (const [name, secret] of Object.entries(secrets)) {
    const at = output.indexOf(secret)
    assert.equal(at, -1, `${name} appears in the logs: …${output.slice(Math.max(0, at - 200), at + 50)}…`)
  }
})
