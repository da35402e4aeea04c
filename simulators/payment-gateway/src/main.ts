import { runStandalone } from '@kokdala/sim-kit'
import { paymentGatewaySimulator } from './env.ts'

await runStandalone(paymentGatewaySimulator(process.env, { logger: true }))
