/**
 * The Node and PHP receivers of src/webhooks/README.md ("Verifying in Node and in PHP"), taken from the README as
 * written and run against real deliveries whose bodies hold Cyrillic, `/` and an emoji: they accept what we send and
 * refuse a wrong signature. The PHP one runs when `php` is installed (Debian's php-cli), and is skipped otherwise.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { systemClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { createWorker } from '../src/jobs.ts'
import { eventually, freePort, openTestDatabase } from '../src/testing/index.ts'
import { createWebhookDeliveryJob } from '../src/webhooks/delivery.ts'
import { ensureWebhookEndpoint } from '../src/webhooks/endpoints.ts'
import { enqueueWebhook, listWebhookAttempts, WEBHOOK_DELIVERY_JOB } from '../src/webhooks/outbox.ts'
import { generateWebhookSecret } from '../src/webhooks/signature.ts'

const README = new URL('../src/webhooks/README.md', import.meta.url)
const SEED_SECRET = 'секрет/merchant-42'
const WHSEC = generateWebhookSecret()

let db: Database
let dir: string
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
  dir = await mkdtemp(join(tmpdir(), 'kokdala-recipes-'))
})
after(async () => {
  await db.close()
  await rm(dir, { recursive: true, force: true })
})

/** The fenced block of this language in the README's verification section. */
async function recipe(language: 'js' | 'php'): Promise<string> {
  const text = await readFile(README, 'utf8')
  const section = text.slice(text.indexOf('## Verifying in Node and in PHP'))
  const block = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\\n\`\`\``).exec(section)
  assert.ok(block, `a ${language} block in the section`)
  return block[1]
}

function phpAvailable(): boolean {
  return spawnSync('php', ['--version']).status === 0
}

/** Starts a receiver process and waits until it answers. */
async function startReceiver(command: string, args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(command, args, {
    cwd: dir,
    env: { ...process.env, PORT: String(port), WEBHOOK_SECRET: SEED_SECRET, STANDARD_WEBHOOK_SECRET: WHSEC },
    stdio: 'ignore',
  })
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}`)
      return fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then(
        () => true,
        () => false,
      )
    },
    15_000,
    `${command} listening`,
  )
  return child
}

/** Sends three messages to the receiver at `url`: good, a wrong seed secret, a wrong whsec; returns their statuses. */
async function deliverTo(url: string, label: string): Promise<(number | null)[]> {
  const worker = createWorker({
    db,
    clock: systemClock,
    handlers: { [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock: systemClock, retrySchedule: [] }) },
  })
  const ours = await db.transaction((tx) =>
    ensureWebhookEndpoint(tx, { key: `${label}:ours`, url, secret: WHSEC, allowPrivateNetworks: true }),
  )
  const stranger = await db.transaction((tx) =>
    ensureWebhookEndpoint(tx, { key: `${label}:stranger`, url, allowPrivateNetworks: true }),
  )
  const send = (endpointId: number, secret: string) =>
    db.transaction((tx) =>
      enqueueWebhook(tx, {
        endpointId,
        eventType: 'paid',
        body: ({ timestamp }) =>
          JSON.stringify({
            event: 'paid',
            transaction_id: 'A3F5D9E2B1C8',
            amount: 57000,
            description: 'Оплата тура в Дубай #12345 🌴',
            metadata: { tour_name: 'Дубай 7 дней', return_url: 'https://shop.example/orders/12345?a=1&b=2' },
            timestamp,
          }),
        headers: { 'X-Webhook-Event': 'paid', 'User-Agent': 'ByFly-Payment-Center/1.0' },
        timestampHeader: 'X-Webhook-Timestamp',
        bodySignature: { header: 'X-Webhook-Signature', secret },
      }),
    )
  const messages = [
    await send(ours.id, SEED_SECRET),
    await send(ours.id, 'another merchant secret'),
    await send(stranger.id, SEED_SECRET),
  ]
  assert.equal(await worker.runDue(), 3)
  const statuses = []
  for (const message of messages) statuses.push((await listWebhookAttempts(db, message.id))[0]?.responseStatus ?? null)
  return statuses
}

test('the README Node receiver verifies our deliveries over the raw body and refuses wrong signatures', async (t) => {
  await writeFile(join(dir, 'receiver.mjs'), await recipe('js'))
  const port = await freePort()
  const child = await startReceiver(process.execPath, [join(dir, 'receiver.mjs')], port)
  t.after(() => child.kill())
  assert.deepEqual(await deliverTo(`http://127.0.0.1:${port}/hooks`, 'node'), [200, 401, 401])
})

test('the README PHP receiver verifies our deliveries over php://input and refuses wrong signatures', async (t) => {
  if (!phpAvailable()) {
    t.skip('php is not installed (apt-get install php-cli)')
    return
  }
  await writeFile(join(dir, 'receiver.php'), await recipe('php'))
  const port = await freePort()
  const child = await startReceiver('php', ['-S', `127.0.0.1:${port}`, join(dir, 'receiver.php')], port)
  t.after(() => child.kill())
  assert.deepEqual(await deliverTo(`http://127.0.0.1:${port}/hooks`, 'php'), [200, 401, 401])
})

test("the seed's own PHP recipe, which signs json_encode of the decoded body, refuses the same deliveries", async (t) => {
  if (!phpAvailable()) {
    t.skip('php is not installed (apt-get install php-cli)')
    return
  }
  // As the seed documents it: the re-encoded body escapes `/` and every non-ASCII character, so the MAC differs.
  await writeFile(
    join(dir, 'seed-receiver.php'),
    `<?php
function verifyWebhook($payload, $signature, $secret) {
    $hmac = hash_hmac('sha256', json_encode($payload), $secret);
    return hash_equals($hmac, $signature);
}
$payload = json_decode(file_get_contents('php://input'), true);
$signature = $_SERVER['HTTP_X_WEBHOOK_SIGNATURE'] ?? '';
if (!verifyWebhook($payload, $signature, getenv('WEBHOOK_SECRET'))) { http_response_code(400); exit('Invalid signature'); }
echo 'OK';
`,
  )
  const port = await freePort()
  const child = await startReceiver('php', ['-S', `127.0.0.1:${port}`, join(dir, 'seed-receiver.php')], port)
  t.after(() => child.kill())
  const [good] = await deliverTo(`http://127.0.0.1:${port}/hooks`, 'seed-php')
  assert.equal(good, 400, 'the correctly signed Cyrillic body fails the re-encoding recipe')
})
