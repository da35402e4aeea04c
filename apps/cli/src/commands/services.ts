import { buildTicketsApp, loadTicketsConfig, openTicketsDatabase, ticketsProfiles } from '@kokdala/tickets'

/** What the CLI knows how to run. Each entry builds one service from the environment. */
export const services = {
  tickets: {
    loadConfig: loadTicketsConfig,
    openDatabase: openTicketsDatabase,
    build: buildTicketsApp,
    profiles: ticketsProfiles,
  },
} as const

export type ServiceName = keyof typeof services

/** Checks a service name given on the command line. */
export function serviceName(name: string | undefined): ServiceName {
  if (name && name in services) return name as ServiceName
  throw new Error(`unknown service ${JSON.stringify(name)}; known: ${Object.keys(services).join(', ')}`)
}
