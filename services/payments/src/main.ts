import { closeOnSignals, LISTEN_BACKLOG } from '@kokdala/core'
import { buildPaymentsApp } from './app.ts'
import { loadPaymentsConfig } from './config.ts'

/** Runs the payment center alone: `node services/payments/src/main.ts`. */
const config = loadPaymentsConfig()
const { app } = await buildPaymentsApp({ config })
await app.listen({ port: config.PAYMENTS_PORT, host: config.PAYMENTS_HOST, backlog: LISTEN_BACKLOG })
closeOnSignals([app], app.log)
