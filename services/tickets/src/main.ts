import { closeOnSignals, LISTEN_BACKLOG } from '@kokdala/core'
import { buildTicketsApp } from './app.ts'
import { loadTicketsConfig } from './config.ts'

/** Runs the tickets service alone: `node services/tickets/src/main.ts`. */
const config = loadTicketsConfig()
const { app } = await buildTicketsApp({ config })
await app.listen({ port: config.TICKETS_PORT, host: config.TICKETS_HOST, backlog: LISTEN_BACKLOG })
closeOnSignals([app], app.log)
