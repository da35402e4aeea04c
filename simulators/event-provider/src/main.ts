import { runStandalone } from '@kokdala/sim-kit'
import { eventProviderSimulator } from './env.ts'

await runStandalone(eventProviderSimulator())
