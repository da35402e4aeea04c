import { runStandalone } from '@kokdala/sim-kit'
import { webkassaSimulator } from './env.ts'

await runStandalone(webkassaSimulator(process.env, { logger: true }))
