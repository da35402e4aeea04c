import type { ServiceDescriptor } from '@kokdala/core'
import { eventProviderService } from '@kokdala/event-provider'
import { fiscalService } from '@kokdala/fiscal'
import { kaspiSimulatorService } from '@kokdala/kaspi-simulator'
import { paymentGatewayService } from '@kokdala/payment-gateway'
import { paymentsService } from '@kokdala/payments'
import { ticketsService } from '@kokdala/tickets'
import { webkassaSimulatorService } from '@kokdala/webkassa-simulator'

/**
 * Every service and simulator of the platform, in start order: simulators first, so the services find them when
 * they start. A new service is one descriptor added here; `kokdala start|serve|seed` and the benchmarks read this
 * list and name no service themselves.
 */
export const platform: readonly ServiceDescriptor<never>[] = [
  eventProviderService,
  paymentGatewayService,
  kaspiSimulatorService,
  webkassaSimulatorService,
  ticketsService,
  paymentsService,
  fiscalService,
] as ServiceDescriptor<never>[]

/** Finds a descriptor by the name given on the command line. */
export function descriptorNamed(name: string | undefined): ServiceDescriptor<unknown> {
  const found = platform.find((descriptor) => descriptor.name === name)
  if (found) return found as ServiceDescriptor<unknown>
  throw new Error(`unknown service ${JSON.stringify(name)}; known: ${platform.map((d) => d.name).join(', ')}`)
}

/** Fills in the profile's settings the environment leaves unset. */
export function applyProfile(
  env: Record<string, string | undefined>,
  descriptor: ServiceDescriptor<unknown>,
  name: string,
) {
  const defaults = descriptor.profiles?.[name]
  if (!defaults) {
    const known = Object.keys(descriptor.profiles ?? {})
    throw new Error(
      `unknown profile ${JSON.stringify(name)} of ${descriptor.name}; known: ${known.join(', ') || 'none'}`,
    )
  }
  for (const [key, value] of Object.entries(defaults)) env[key] ??= value
}
