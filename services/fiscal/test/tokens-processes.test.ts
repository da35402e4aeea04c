import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { WebkassaClient, WebkassaResult } from '@kokdala/webkassa'
import { CONFIGURED_ENV, SECRETS } from './secrets.ts'

/**
 * Must-be-true 3 of issue 11 with real processes: two OS processes of the service on one PostgreSQL database, a
 * shared fake Webkassa over HTTP in this process, 20 concurrent calls with an expired token → one login. The child
 * is this file run with FISCAL_PROCESS_CHILD set.
 */

const CALLS_PER_PROCESS = 10

/** The child: a fiscal app on DATABASE_URL whose Webkassa is the parent's fake; `go` on stdin fires the calls. */
async function child() {
  const { buildFiscalApp } = await import('../src/app.ts')
  const { loadFiscalConfig } = await import('../src/config.ts')
  const fakeUrl = process.env.FAKE_WEBKASSA_URL as string
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${fakeUrl}${path}`, { method: 'POST', body: JSON.stringify(body) })
    return response.json()
  }
  const unsupported = async () => ({ kind: 'unknown', reason: 'network' }) as const
  const webkassa: WebkassaClient = {
    authorize: (login, password) => post('/authorize', { login, password }),
    xReport: (token) => post('/call', { token }),
    check: unsupported,
    zReport: unsupported,
    cashboxes: unsupported,
    shiftHistory: unsupported,
    checkHistory: unsupported,
    ticketByExternalNumber: unsupported,
    async close() {},
  }
  const config = loadFiscalConfig({ ...process.env, LOG_LEVEL: process.env.FISCAL_TEST_LOG_LEVEL ?? 'silent' })
  const { app, services } = await buildFiscalApp({ config, background: false, overrides: { webkassa } })
  const call = async () => {
    const tokens: string[] = []
    const result: WebkassaResult<unknown> = await services.tokens.session.withToken((token) => {
      tokens.push(token)
      return webkassa.xReport(token, 'SWK00000001')
    })
    return { kind: result.kind, attempts: tokens.length }
  }
  // Protocol lines start with @@; the rest of stdout is the app's log (the log test reads it through the parent).
  const say = (text: string) => process.stdout.write(`@@${text}\n`)
  say('ready')
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'warm') say(JSON.stringify([await call()]))
    if (line === 'go') {
      const results = await Promise.all(Array.from({ length: CALLS_PER_PROCESS }, call))
      say(JSON.stringify(results))
    }
    if (line === 'exit') break
  }
  await app.close()
  // stdin stays referenced after the loop: leave explicitly once the app is closed.
  process.exit(0)
}

if (process.env.FISCAL_PROCESS_CHILD) {
  await child()
} else {
  const skip = process.env.TEST_DATABASE_URL ? false : 'needs PostgreSQL (TEST_DATABASE_URL): PGlite is one process'
  test('20 concurrent calls with an expired token across two OS processes → exactly one Authorize', {
    skip,
  }, async () => {
    const { openTestDatabase } = await import('@kokdala/core/testing')
    const { fiscalMigrations } = await import('../src/database.ts')
    const db = await openTestDatabase(fiscalMigrations)
    const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name')
    const url = new URL(process.env.TEST_DATABASE_URL as string)
    url.pathname = `/${rows[0]?.name}`

    // The fake Webkassa: strict (a login invalidates older tokens), each login and call a little slow.
    const valid = new Set<string>()
    const counts = { authorize: 0, calls: 0 }
    const body = async (request: IncomingMessage) => {
      let text = ''
      for await (const chunk of request) text += chunk
      return JSON.parse(text)
    }
    const server = createServer(async (request, response) => {
      const json = await body(request)
      let answer: unknown
      if (request.url === '/authorize') {
        counts.authorize++
        await new Promise((resolve) => setTimeout(resolve, 50))
        const token = `${SECRETS.tokenMarker}${randomBytes(12).toString('hex')}`
        valid.clear()
        valid.add(token)
        answer = { kind: 'ok', data: { Token: token } }
      } else {
        counts.calls++
        await new Promise((resolve) => setTimeout(resolve, 10))
        answer = valid.has(json.token)
          ? { kind: 'ok', data: {} }
          : { kind: 'errors', errors: [{ Code: 2, Text: 'Срок действия сессии истек' }] }
      }
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify(answer))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const fakeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    const children: ChildProcess[] = []
    try {
      const lines: AsyncIterator<string>[] = []
      for (let i = 0; i < 2; i++) {
        const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
          env: {
            ...process.env,
            ...CONFIGURED_ENV,
            FISCAL_PROCESS_CHILD: '1',
            FAKE_WEBKASSA_URL: fakeUrl,
            DATABASE_URL: url.toString(),
            DB_POOL_SIZE: '4',
            WORKER_INDEX: String(i),
          },
          stdio: ['pipe', 'pipe', 'inherit'],
        })
        children.push(child)
        lines.push(createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]())
      }
      /** The child's next protocol line; its log lines are passed on to this process's output. */
      const next = async (i: number): Promise<string> => {
        for (;;) {
          const { value, done } = await (lines[i] as AsyncIterator<string>).next()
          if (done) throw new Error(`child ${i} ended`)
          if (value.startsWith('@@')) return value.slice(2)
          process.stdout.write(`${value}\n`)
        }
      }
      for (let i = 0; i < 2; i++) assert.equal(await next(i), 'ready')
      // Both processes hold the first token.
      children[0]?.stdin?.write('warm\n')
      assert.deepEqual(JSON.parse(await next(0)), [{ kind: 'ok', attempts: 1 }])
      children[1]?.stdin?.write('warm\n')
      assert.deepEqual(JSON.parse(await next(1)), [{ kind: 'ok', attempts: 1 }])
      assert.equal(counts.authorize, 1)

      valid.clear()
      for (const child of children) child.stdin?.write('go\n')
      const results = [...JSON.parse(await next(0)), ...JSON.parse(await next(1))] as {
        kind: string
        attempts: number
      }[]
      assert.equal(results.length, 2 * CALLS_PER_PROCESS)
      assert.equal(counts.authorize, 2, 'one login for the expired token across both processes')
      for (const result of results) {
        assert.equal(result.kind, 'ok')
        assert.ok(result.attempts <= 2)
      }
      for (const child of children) child.stdin?.end('exit\n')
      await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))))
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill()
      server.close()
      await db.close()
    }
  })
}
