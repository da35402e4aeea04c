import { buildPaymentGatewayApp } from './app.ts'
import { paymentGatewayFromEnv } from './env.ts'

const { port, host, publicUrl, options } = paymentGatewayFromEnv()
const app = await buildPaymentGatewayApp({ ...options, logger: true })

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0))
  })
}

await app.listen({ port, host })
process.stdout.write(`payment gateway simulator (ТөлеуБар) listening on ${publicUrl}\n`)
