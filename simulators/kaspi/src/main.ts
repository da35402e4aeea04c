import { runStandalone } from '@kokdala/sim-kit'
import { kaspiSimulator } from './env.ts'

await runStandalone(kaspiSimulator(process.env, { logger: true }))
