import assert from 'node:assert/strict'
import type { LookupAddress } from 'node:dns'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, isIP, type LookupFunction, type Socket } from 'node:net'
import { after, before, type TestContext, test } from 'node:test'
import { manualClock } from '../src/clock.ts'
import type { Database } from '../src/db.ts'
import { coreMigrationsDir } from '../src/index.ts'
import { createWorker } from '../src/jobs.ts'
import { openTestDatabase } from '../src/testing/index.ts'
import { isPrivateAddress, PRIVATE_ADDRESS_REFUSED, webhookConnector } from '../src/webhooks/address-guard.ts'
import { createWebhookDeliveryJob } from '../src/webhooks/delivery.ts'
import { createWebhookEndpoint, ensureWebhookEndpoint, getWebhookEndpoint } from '../src/webhooks/endpoints.ts'
import { enqueueWebhook, getWebhookMessage, listWebhookAttempts, WEBHOOK_DELIVERY_JOB } from '../src/webhooks/outbox.ts'

let db: Database
before(async () => {
  db = await openTestDatabase(coreMigrationsDir)
})
after(() => db.close())

test('loopback, private, link-local and unspecified addresses are private, IPv4-mapped IPv6 ones included', () => {
  for (const address of [
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fd00::1',
    'fc00::abcd',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:10.0.0.1',
    '::ffff:0.0.0.0',
  ]) {
    assert.equal(isPrivateAddress(address), true, address)
  }
  for (const address of [
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    'example.com',
  ]) {
    assert.equal(isPrivateAddress(address), false, address)
  }
})

/** A DNS of our own: each name's addresses, answered the way `dns.lookup` does (one, or all with `all: true`). */
function fakeDns(names: Record<string, string[]>): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const addresses: LookupAddress[] = (names[hostname] ?? []).map((address) => ({ address, family: isIP(address) }))
    process.nextTick(() => {
      if (addresses.length === 0) callback(Object.assign(new Error(`no ${hostname}`), { code: 'ENOTFOUND' }), '', 0)
      else if (options.all) callback(null, addresses)
      else callback(null, addresses[0].address, addresses[0].family)
    })
  }) as LookupFunction
}

async function listen(t: TestContext, handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return server
}

/** A receiver on 127.0.0.1 that counts the requests it gets and answers 204. */
async function receiver(t: TestContext) {
  const calls = { count: 0 }
  const server = await listen(t, (request, response) => {
    calls.count++
    request.resume()
    request.on('end', () => response.writeHead(204).end())
  })
  return { calls, port: (server.address() as AddressInfo).port }
}

function connectTo(
  connector: ReturnType<typeof webhookConnector>,
  hostname: string,
  port: number,
): Promise<{ error: NodeJS.ErrnoException | null; socket: Socket | null }> {
  return new Promise((resolve) => {
    connector({ hostname, protocol: 'http:', port: String(port) }, (error, socket) => {
      socket?.destroy()
      resolve({ error: error as NodeJS.ErrnoException | null, socket: socket as Socket | null })
    })
  })
}

test('the connection refuses a name resolving to loopback (localhost, through the system resolver) and IP hosts', async (t) => {
  const { port } = await receiver(t)
  const guarded = webhookConnector({ allowPrivateNetworks: false, timeout: 2_000 })
  for (const hostname of ['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1', '0.0.0.0', '::']) {
    const { error, socket } = await connectTo(guarded, hostname, port)
    assert.equal(error?.code, PRIVATE_ADDRESS_REFUSED, hostname)
    assert.equal(socket ?? null, null)
  }
  const open = webhookConnector({ allowPrivateNetworks: true, timeout: 2_000 })
  const { error } = await connectTo(open, '127.0.0.1', port)
  assert.equal(error, null)
})

test('a name with one public and one private address is refused', async (t) => {
  const { port } = await receiver(t)
  const connector = webhookConnector({
    allowPrivateNetworks: false,
    timeout: 2_000,
    resolve: fakeDns({ 'split.example': ['93.184.216.34', '10.0.0.7'] }),
  })
  const { error } = await connectTo(connector, 'split.example', port)
  assert.equal(error?.code, PRIVATE_ADDRESS_REFUSED)
  assert.match(error?.message ?? '', /split\.example resolves to 10\.0\.0\.7/)
})

/** A worker whose deliveries resolve `merchant.example` to 127.0.0.1, and retry once after 1 s. */
function workerWithDns(clock: ReturnType<typeof manualClock>) {
  const lookup = fakeDns({ 'merchant.example': ['127.0.0.1'] })
  return createWorker({
    db,
    clock,
    handlers: {
      [WEBHOOK_DELIVERY_JOB]: createWebhookDeliveryJob({ db, clock, retrySchedule: [1_000], timeoutMs: 2_000, lookup }),
    },
  })
}

test('a merchant name resolving to 127.0.0.1 is not called: each attempt logged as refused, then dead', async (t) => {
  const { calls, port } = await receiver(t)
  const clock = manualClock(new Date())
  const worker = workerWithDns(clock)
  // The URL check sees only a name: it passes, as it must (the name could be public when registered).
  const { id: endpointId } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: `http://merchant.example:${port}/hooks`, clock }),
  )
  const message = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'e', payload: {} }))
  assert.equal(await worker.runDue(), 1)
  let attempts = await listWebhookAttempts(db, message.id)
  assert.equal(attempts.length, 1)
  assert.equal(attempts[0].responseStatus, null)
  assert.equal(attempts[0].error, PRIVATE_ADDRESS_REFUSED)
  assert.equal((await getWebhookMessage(db, message.id))?.status, 'pending')
  // Retried on the schedule, not at once: nothing is due until the delay has passed.
  assert.equal(await worker.runDue(), 0)
  clock.advance(1_000)
  assert.equal(await worker.runDue(), 1)
  attempts = await listWebhookAttempts(db, message.id)
  assert.deepEqual(
    attempts.map((a) => a.error),
    [PRIVATE_ADDRESS_REFUSED, PRIVATE_ADDRESS_REFUSED],
  )
  const dead = await getWebhookMessage(db, message.id)
  assert.equal(dead?.status, 'dead')
  assert.match(dead?.lastError ?? '', new RegExp(PRIVATE_ADDRESS_REFUSED))
  assert.equal(calls.count, 0)
})

test('the same name is delivered to when the endpoint is allowed private networks', async (t) => {
  const { calls, port } = await receiver(t)
  const clock = manualClock(new Date())
  const worker = workerWithDns(clock)
  const { id: endpointId } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, { url: `http://merchant.example:${port}/allowed`, clock, allowPrivateNetworks: true }),
  )
  const message = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'e', payload: {} }))
  assert.equal(await worker.runDue(), 1)
  assert.equal((await getWebhookMessage(db, message.id))?.status, 'delivered')
  assert.equal(calls.count, 1)
})

test("ensureWebhookEndpoint sets a known endpoint's private-network permission to the caller's setting", async (t) => {
  const { calls, port } = await receiver(t)
  const clock = manualClock(new Date())
  const worker = workerWithDns(clock)
  const url = `http://merchant.example:${port}/ensured`
  const options = { key: 'guard:ensured', url, clock }
  const { id } = await db.transaction((tx) => ensureWebhookEndpoint(tx, { ...options, allowPrivateNetworks: true }))
  assert.equal((await getWebhookEndpoint(db, id))?.allowPrivateNetworks, true)
  await db.transaction((tx) => ensureWebhookEndpoint(tx, { ...options, allowPrivateNetworks: false }))
  assert.equal((await getWebhookEndpoint(db, id))?.allowPrivateNetworks, false)
  const message = await db.transaction((tx) => enqueueWebhook(tx, { endpointId: id, eventType: 'e', payload: {} }))
  assert.equal(await worker.runDue(), 1)
  assert.equal((await listWebhookAttempts(db, message.id))[0].error, PRIVATE_ADDRESS_REFUSED)
  assert.equal(calls.count, 0)
})

test('a redirect is not followed, to a private address or anywhere', async (t) => {
  const target = await receiver(t)
  const redirecting = await listen(t, (request, response) => {
    request.resume()
    request.on('end', () =>
      response.writeHead(307, { location: `http://127.0.0.1:${target.port}/metadata` }).end('moved'),
    )
  })
  const clock = manualClock(new Date())
  const worker = workerWithDns(clock)
  const { id: endpointId } = await db.transaction((tx) =>
    createWebhookEndpoint(tx, {
      url: `http://merchant.example:${(redirecting.address() as AddressInfo).port}/redirect`,
      clock,
      allowPrivateNetworks: true,
    }),
  )
  const message = await db.transaction((tx) => enqueueWebhook(tx, { endpointId, eventType: 'e', payload: {} }))
  assert.equal(await worker.runDue(), 1)
  const [attempt] = await listWebhookAttempts(db, message.id)
  assert.equal(attempt.responseStatus, 307)
  assert.equal((await getWebhookMessage(db, message.id))?.status, 'pending')
  assert.equal(target.calls.count, 0)
})
