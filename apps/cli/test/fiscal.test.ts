import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildFiscalApp, type FiscalApp, fiscalMigrations, loadFiscalConfig } from '@kokdala/fiscal'
import { createFakeWebkassa } from '../../../services/fiscal/test/fake-webkassa.ts'
import { CONFIGURED_ENV, SECRETS } from '../../../services/fiscal/test/secrets.ts'
import type { AdminTarget } from '../src/commands/admin-http.ts'
import { installTimer, TIMER_UNIT_NAME } from '../src/commands/fiscal-timer.ts'
import { fiscalToken } from '../src/commands/fiscal-token.ts'
import { printed } from './output.ts'

const ADMIN = 'cli-fiscal-admin-token-0123456789abcdef'
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))

describe('kokdala fiscal token', () => {
  const webkassa = createFakeWebkassa()
  let fiscal: FiscalApp
  let target: AdminTarget
  let closeDb: () => Promise<void>

  before(async () => {
    const db = await openTestDatabase(fiscalMigrations)
    closeDb = () => db.close()
    fiscal = await buildFiscalApp({
      config: loadFiscalConfig({
        LOG_LEVEL: 'silent',
        FISCAL_ADMIN_TOKEN: ADMIN,
        FISCAL_WEBKASSA_LOGIN: CONFIGURED_ENV.FISCAL_WEBKASSA_LOGIN,
        FISCAL_WEBKASSA_PASSWORD: CONFIGURED_ENV.FISCAL_WEBKASSA_PASSWORD,
        FISCAL_WEBKASSA_API_KEY: CONFIGURED_ENV.FISCAL_WEBKASSA_API_KEY,
      }),
      db,
      background: false,
      overrides: { webkassa: webkassa.client },
    })
    target = { url: await fiscal.app.listen({ port: 0, host: '127.0.0.1' }), token: ADMIN }
  })
  after(async () => {
    await fiscal.app.close()
    await closeDb()
  })

  it('refresh logs in through the service and prints the generation and fingerprint, never the token', async () => {
    const text = await printed((out) => fiscalToken(['refresh'], {}, target, out))
    assert.match(text, /^refreshed: generation 1, fingerprint [0-9a-f]{8}\n$/)
    assert.equal(webkassa.stats.authorize, 1)
    assert.ok(!text.includes(webkassa.issuedTokens()[0] as string))
  })

  it('status prints age, generation, fingerprint, error and block lines and the history', async () => {
    const text = await printed((out) => fiscalToken(['status'], {}, target, out))
    const fingerprint = (await fiscal.services.tokens.tokens.status()).fingerprint as string
    assert.match(text, new RegExp(`token {10}generation 1, fingerprint ${fingerprint}, key development-only`))
    assert.match(text, /last error {5}none/)
    assert.match(text, /blocked {8}no/)
    assert.match(text, new RegExp(`#1 ${fingerprint} manual`))
    for (const token of webkassa.issuedTokens()) assert.ok(!text.includes(token))
  })

  it('a refused login is an error with the code, and status then shows the block', async () => {
    webkassa.changePassword('changed-in-the-cabinet')
    await assert.rejects(
      fiscalToken(['refresh'], {}, target, new PassThrough()),
      /^Error: WEBKASSA_AUTH_BLOCKED: .*\{"codes":\[1\]\}$/,
    )
    const text = await printed((out) => fiscalToken(['status'], {}, target, out))
    assert.match(text, /last error {5}code 1 Неверный логин/)
    assert.match(text, /blocked {8}yes, until /)
    webkassa.changePassword(SECRETS.password)
  })

  it('a wrong admin token and an unknown action are said plainly', async () => {
    await assert.rejects(fiscalToken(['status'], {}, { ...target, token: 'x'.repeat(40) }), /ADMIN_UNAUTHORIZED/)
    await assert.rejects(fiscalToken(['rotate'], {}, target), /usage:/)
  })

  it('the kokdala command runs it with FISCAL_URL and FISCAL_ADMIN_TOKEN from the environment', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [MAIN, 'fiscal', 'token', 'status'], {
      env: { ...process.env, FISCAL_URL: target.url, FISCAL_ADMIN_TOKEN: ADMIN },
    })
    assert.match(stdout, /^account {8}default\n/)
    assert.ok(!stdout.includes(SECRETS.password))
  })
})

describe('kokdala fiscal install-timer', () => {
  it('writes the service and the timer (05:00 Almaty, RandomizedDelaySec=30min, Persistent) and prints them', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fiscal-timer-')), 'units')
    const text = await printed((out) => installTimer({ dir }, out, {}))
    const service = readFileSync(join(dir, `${TIMER_UNIT_NAME}.service`), 'utf8')
    const timer = readFileSync(join(dir, `${TIMER_UNIT_NAME}.timer`), 'utf8')
    assert.match(service, /^Type=oneshot$/m)
    assert.match(
      service,
      new RegExp(`^ExecStart=${process.execPath} \\S+/apps/cli/src/main\\.ts fiscal token refresh$`, 'm'),
    )
    assert.match(service, /^EnvironmentFile=-\/etc\/kokdala\/fiscal\.env$/m)
    assert.match(timer, /^OnCalendar=\*-\*-\* 05:00:00 Asia\/Almaty$/m)
    assert.match(timer, /^RandomizedDelaySec=30min$/m)
    assert.match(timer, /^Persistent=true$/m)
    assert.match(timer, new RegExp(`^Unit=${TIMER_UNIT_NAME}\\.service$`, 'm'))
    assert.match(timer, /^WantedBy=timers\.target$/m)
    assert.ok(text.includes(service) && text.includes(timer))
    assert.match(text, /systemctl enable --now kokdala-fiscal-token-refresh\.timer/)
  })

  it('--at, --timezone and --env-file are honoured; a bad time or zone is refused before anything is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fiscal-timer-'))
    const units = await installTimer(
      { dir, at: '04:30', timezone: 'Asia/Aqtobe', 'env-file': '/srv/kokdala env/fiscal.env' },
      new PassThrough(),
      {},
    )
    assert.match(units.timer, /^OnCalendar=\*-\*-\* 04:30:00 Asia\/Aqtobe$/m)
    assert.match(units.service, /^EnvironmentFile=-\/srv\/kokdala env\/fiscal\.env$/m)
    await assert.rejects(installTimer({ dir, at: '25:00' }, new PassThrough(), {}), /--at must be HH:MM/)
    await assert.rejects(
      installTimer({ dir, timezone: 'Mars/Olympus' }, new PassThrough(), {}),
      /not a known time zone/,
    )
    await assert.rejects(installTimer({ dir: true }, new PassThrough(), {}), /--dir needs a value/)
  })

  it('the kokdala command writes them with --dir and --at', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fiscal-timer-'))
    const { stdout } = await promisify(execFile)(process.execPath, [
      MAIN,
      'fiscal',
      'install-timer',
      '--dir',
      dir,
      '--at',
      '05:00',
    ])
    assert.match(stdout, new RegExp(`wrote ${dir}/${TIMER_UNIT_NAME}\\.service`))
    assert.match(
      readFileSync(join(dir, `${TIMER_UNIT_NAME}.timer`), 'utf8'),
      /OnCalendar=\*-\*-\* 05:00:00 Asia\/Almaty/,
    )
  })
})
