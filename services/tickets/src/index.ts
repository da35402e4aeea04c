export { buildTicketsApp, openTicketsDatabase, ticketsMigrations, type TicketsApp } from './app.ts'
export { loadTicketsConfig, type TicketsConfig } from './config.ts'
