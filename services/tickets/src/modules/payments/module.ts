import { createHttpTarget, type Database, type HttpTarget } from '@kokdala/core'
import type { TicketsConfig } from '../../config.ts'
import type { PaymentGateway } from './gateway.ts'
import { createTestGateway } from './test-gateway/gateway.ts'
import { createTestGatewayRepository } from './test-gateway/repository.ts'
import { createToleubarGateway } from './toleubar/gateway.ts'

/**
 * The payment gateway the configuration names: ТөлеуБар over HTTP (with its target, for metrics and shutdown), or
 * the built-in test gateway, whose pages this service serves itself.
 */
export function createPaymentGateway(deps: {
  config: TicketsConfig
  db: Database
  publicUrl: string
  breaker: { failureThreshold: number; resetTimeoutMs: number }
}): { gateway: PaymentGateway; http?: HttpTarget; testGateway?: ReturnType<typeof createTestGatewayRepository> } {
  const { config } = deps
  if (config.PAYMENT_GATEWAY === 'toleubar') {
    const http = createHttpTarget({
      name: 'payment-gateway',
      baseUrl: config.PAYMENT_GATEWAY_URL!,
      timeoutMs: config.PAYMENT_GATEWAY_TIMEOUT_MS,
      breaker: deps.breaker,
    })
    const gateway = createToleubarGateway({
      http,
      teamSlug: config.PAYMENT_TEAM_SLUG!,
      password: config.PAYMENT_TEAM_PASSWORD!,
      paymentFormBaseUrl: config.PAYMENT_FORM_URL ?? config.PAYMENT_GATEWAY_URL!,
    })
    return { gateway, http }
  }
  const testGateway = createTestGatewayRepository(deps.db)
  return { gateway: createTestGateway(testGateway, deps.publicUrl), testGateway }
}
