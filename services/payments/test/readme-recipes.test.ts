/**
 * The README's webhook verification recipes, run as a merchant would run them: the code blocks are read from
 * README.md (so a recipe edited into something broken fails here), started as servers of their own, and sent real
 * deliveries by the payments service: the seed's payload with Cyrillic, `/` and an emoji. Each must accept what we
 * send, by the Standard Webhooks signature and by the seed's hex signature alone, and refuse a body altered on the way.
 * The PHP recipe runs when `php` is installed (PHP's built-in server); otherwise its test is skipped and says so.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { eventually, freePort } from '@kokdala/core/testing'
import { admin, paymentEvent, record, startPaymentsForWebhooks } from './webhooks-harness.ts'

type PaymentsForWebhooks = Awaited<ReturnType<typeof startPaymentsForWebhooks>>

const README = new URL('../../../README.md', import.meta.url)

/** The fenced block of `language` that follows `marker` in the README. */
async function recipe(marker: string, language: string): Promise<string> {
  const text = await readFile(README, 'utf8')
  const at = text.indexOf(marker)
  assert.ok(at >= 0, `README no longer has "${marker}"`)
  const open = text.indexOf(`\`\`\`${language}\n`, at)
  const close = text.indexOf('\n```', open + 1)
  assert.ok(open >= 0 && close > open, `no \`\`\`${language} block after "${marker}"`)
  return text.slice(open + language.length + 4, close + 1)
}

/** A recipe's server: its URL, what it printed, and how to stop it. */
interface RecipeServer {
  url: string
  output(): string
  stop(): Promise<void>
}

async function startRecipe(command: string, args: string[], env: Record<string, string>): Promise<RecipeServer> {
  const port = Number(env.PORT)
  const child: ChildProcess = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let printed = ''
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      printed += chunk.toString()
    })
  }
  const url = `http://127.0.0.1:${port}/hook`
  // Listening once any answer comes back (an unsigned POST is refused: that is an answer too).
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the recipe exited with ${child.exitCode}: ${printed}`)
      return (await fetch(url, { method: 'POST', body: '{}' }).catch(() => undefined)) !== undefined
    },
    15_000,
    'the recipe listens',
  )
  return {
    url,
    output: () => printed,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** The Node recipe as a file: port 4000 becomes `port`, and `standardwebhooks` resolves from this repository. */
async function nodeRecipeFile(dir: string, port: number): Promise<string> {
  const source = await recipe('Verify the raw body instead. Node', 'js')
  assert.ok(source.includes('.listen(4000)') && source.includes("from 'standardwebhooks'"), 'the recipe as written')
  const file = join(dir, 'receiver.mjs')
  await writeFile(
    file,
    source
      .replace('.listen(4000)', `.listen(${port}, '127.0.0.1')`)
      .replace("from 'standardwebhooks'", `from '${import.meta.resolve('standardwebhooks')}'`),
  )
  return file
}

/** What a capturing proxy saw of the last delivery: the exact body and the signature headers. */
interface Captured {
  body: Buffer
  headers: Record<string, string>
}

/**
 * A pass-through in front of a recipe: records each delivery's exact bytes and headers, forwards them and answers
 * what the recipe answered, so a test can replay a real delivery with a header dropped or a byte changed.
 */
async function startCapturingProxy(target: string) {
  const port = await freePort()
  const state: { last?: Captured } = {}
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers)) {
      if (name.startsWith('webhook-') || name.startsWith('x-webhook-') || name === 'content-type') {
        headers[name] = String(value)
      }
    }
    state.last = { body: Buffer.concat(chunks), headers }
    const answer = await fetch(target, { method: 'POST', headers, body: new Uint8Array(state.last.body) })
    response.writeHead(answer.status).end(await answer.text())
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}/hook`,
    state,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

/** Sends `body` to the recipe with the captured headers, leaving out the ones named in `without`. */
async function replay(url: string, captured: Captured, body: Buffer, without: string[] = []): Promise<number> {
  const headers = Object.fromEntries(Object.entries(captured.headers).filter(([name]) => !without.includes(name)))
  return (await fetch(url, { method: 'POST', headers, body: new Uint8Array(body) })).status
}

/**
 * One recipe server, checked end to end: a real `paid` delivery through the proxy is answered 200 (and logged so);
 * the same bytes replayed with only the signature the merchant verifies by — Standard Webhooks with a `whsec_`
 * secret, else the seed's hex header — are accepted; the body with one digit changed is refused.
 */
async function checkRecipe(
  payments: PaymentsForWebhooks,
  server: RecipeServer,
  proxy: Awaited<ReturnType<typeof startCapturingProxy>>,
  by: 'standard' | 'seed',
) {
  const event = paymentEvent(proxy.url)
  await record(payments, event)
  await payments.services.worker.runDue()
  const log = await admin(payments, 'GET', `/api/admin/webhooks/deliveries?transaction_id=${event.transactionId}`)
  const [delivery] = log.json().data
  assert.deepEqual(
    delivery.attempts.map((a: { response_status: number | null }) => a.response_status),
    [200],
    server.output(),
  )
  const captured = proxy.state.last!
  assert.match(
    captured.body.toString('utf8'),
    /Оплата тура в Дубай #12345 — 7 дней\/6 ночей 🌴/,
    'raw UTF-8, `/` as is',
  )
  const other = by === 'standard' ? 'x-webhook-signature' : 'webhook-signature'
  assert.equal(await replay(server.url, captured, captured.body, [other]), 200, `accepted by the ${by} signature alone`)
  const altered = Buffer.from(captured.body.toString('utf8').replace('"paid_amount":57000', '"paid_amount":57001'))
  assert.notDeepEqual(altered, captured.body)
  assert.equal(await replay(server.url, captured, altered), 400, 'a changed body is refused')
  return event
}

describe('the README’s webhook verification recipes, against real deliveries', () => {
  let payments: PaymentsForWebhooks
  let dir: string
  before(async () => {
    payments = await startPaymentsForWebhooks()
    dir = await mkdtemp(join(tmpdir(), 'kokdala-recipes-'))
  })
  after(async () => {
    await payments?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Registers `url` for source 1, as a merchant does, and returns the Standard Webhooks secret it is shown. */
  async function register(url: string): Promise<string> {
    const registered = await admin(payments, 'POST', '/api/admin/webhooks/endpoints', { source_id: 1, url })
    assert.equal(registered.statusCode, 200, registered.body)
    return registered.json().data.secrets[0].secret
  }

  /**
   * Starts a recipe (`command` with the arguments `args(port)` gives) behind a capturing proxy, checks it with
   * `checkRecipe` verifying `by` one signature, and returns what the check returned and what the recipe printed.
   */
  async function runRecipe(by: 'standard' | 'seed', command: string, args: (port: number) => Promise<string[]>) {
    const port = await freePort()
    const proxy = await startCapturingProxy(`http://127.0.0.1:${port}/hook`)
    const env: Record<string, string> = { PORT: String(port) }
    if (by === 'standard') env.WEBHOOK_SIGNING_SECRET = await register(proxy.url)
    const server = await startRecipe(command, await args(port), env)
    try {
      const event = await checkRecipe(payments, server, proxy, by)
      return { event, output: server.output() }
    } finally {
      await server.stop()
      await proxy.close()
    }
  }

  const php = spawnSync('php', ['--version']).status === 0
  if (!php) process.stdout.write('# the PHP recipe is not run: no `php` on PATH (apt-get install php-cli)\n')
  for (const by of ['standard', 'seed'] as const) {
    it(`Node recipe, verifying by the ${by} signature: accepts the delivery and reads the Cyrillic, refuses a changed body`, async () => {
      const { event, output } = await runRecipe(by, process.execPath, async (port) => [await nodeRecipeFile(dir, port)])
      assert.match(output, new RegExp(`Оплачено: ${event.transactionId} Оплата тура в Дубай #12345`))
    })

    it(`PHP recipe (built-in server), verifying by the ${by} signature: accepts the delivery, refuses a changed body`, {
      skip: php ? false : 'no php on PATH',
    }, async () => {
      const file = join(dir, 'receiver.php')
      await writeFile(file, await recipe('PHP (`php://input` is the raw body', 'php'))
      await runRecipe(by, 'php', async (port) => ['-S', `127.0.0.1:${port}`, file])
    })
  }
})
