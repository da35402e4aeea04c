import { closeOnSignals, LISTEN_BACKLOG } from '@kokdala/core'
import { buildFiscalApp } from './app.ts'
import { loadFiscalConfig } from './config.ts'

/** Runs the fiscal service alone: `node services/fiscal/src/main.ts`. */
const config = loadFiscalConfig()
const { app } = await buildFiscalApp({ config })
await app.listen({ port: config.FISCAL_PORT, host: config.FISCAL_HOST, backlog: LISTEN_BACKLOG })
closeOnSignals([app], app.log)
