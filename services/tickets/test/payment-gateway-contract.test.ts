import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { createHttpTarget } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildPaymentGatewayApp, TEST_CARDS } from '@kokdala/payment-gateway'
import { runSimulator } from '@kokdala/sim-kit'
import Fastify from 'fastify'
import { ticketsMigrations } from '../src/app.ts'
import { createTestGateway } from '../src/modules/payments/test-gateway/gateway.ts'
import { createTestGatewayRepository } from '../src/modules/payments/test-gateway/repository.ts'
import { testGatewayRoutes } from '../src/modules/payments/test-gateway/routes.ts'
import { createToleubarGateway } from '../src/modules/payments/toleubar/gateway.ts'
import { gatewayContract } from './gateway-contract.ts'
import { payAtGateway } from './simulators.ts'

const PUBLIC_URL = 'http://tickets.test'

// The test-mode gateway, in-process on its own table; the buyer uses its page as a browser would.
gatewayContract('test-mode gateway', async () => {
  const db = await openTestDatabase(ticketsMigrations)
  const repository = createTestGatewayRepository(db)
  const page = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  await page.register(testGatewayRoutes, { repository })
  return {
    gateway: createTestGateway(repository, PUBLIC_URL),
    async buyer({ paymentId }, decision) {
      const response = await page.inject({
        method: 'POST',
        url: `/test-gateway/pay/${paymentId}/${decision === 'approve' ? 'pay' : 'decline'}`,
      })
      if (response.statusCode !== 303) throw new Error(`test gateway page answered ${response.statusCode}`)
    },
    async close() {
      await page.close()
      await db.close()
    },
  }
})

// The ТөлеуБар adapter over HTTP against the gateway simulator, faulted through the sim-kit switch.
gatewayContract('ТөлеуБар adapter against its simulator', async () => {
  const team = { teamSlug: 'kokdala-contract', password: 'contract-password' }
  const simulator = await runSimulator({
    name: 'payment gateway simulator',
    host: '127.0.0.1',
    port: 0,
    build: () => buildPaymentGatewayApp({ teams: [team], publicUrl: 'http://gateway.test', processingDelayMs: [0, 0] }),
  })
  // The form is rendered from paymentURL's path on the simulator's real address.
  const onSimulator = (paymentUrl: string) => `${simulator.url}${new URL(paymentUrl).pathname}`
  // A breaker that stays closed: the outage case asserts on the gateway's answers, not on the breaker's.
  const http = createHttpTarget({
    name: 'toleubar',
    baseUrl: simulator.url,
    retryDelayMs: 1,
    breaker: { failureThreshold: 1_000 },
  })
  return {
    gateway: createToleubarGateway({ http, ...team, paymentFormBaseUrl: 'http://gateway.test' }),
    async buyer({ paymentUrl }, decision) {
      await payAtGateway(onSimulator(paymentUrl), decision === 'approve' ? TEST_CARDS.approved : TEST_CARDS.declined)
    },
    limits: { min: 1_000n, max: 50_000_000n },
    outage(on) {
      simulator.app.paymentGateway.faults.outage = on
    },
    async close() {
      await http.close()
      await simulator.close()
    },
  }
})
