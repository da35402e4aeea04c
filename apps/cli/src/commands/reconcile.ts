import { createHttpTarget } from '@kokdala/core'
import { createProviderClient, type ReconciliationReport, reconcileWithProvider } from '@kokdala/tickets'
import { services } from './services.ts'

/**
 * `kokdala reconcile`: compares Biletter's event-1 seats and provider orders with the Event Provider and prints
 * every difference; exits 1 when there is any. Reads the tickets database (DATABASE_URL, or the PGlite data dir
 * while the service is stopped) and the provider at EVENT_PROVIDER_URL.
 */
export async function reconcile(out = process.stdout): Promise<ReconciliationReport> {
  const service = services.tickets
  const config = service.loadConfig()
  const providerUrl = config.EVENT_PROVIDER_URL ?? 'http://127.0.0.1:9001'
  const db = await service.openDatabase(config)
  const http = createHttpTarget({ name: 'event-provider', baseUrl: providerUrl, timeoutMs: 10_000 })
  try {
    out.write(`reconciling ${config.DATABASE_URL ? 'PostgreSQL' : config.TICKETS_DATA_DIR} with ${providerUrl}\n`)
    const report = await reconcileWithProvider(db, createProviderClient(http))
    const differences = report.placeDifferences.length + report.orderDifferences.length
    out.write(
      `places: ${report.places} compared, ${report.inFlight} in flight, ${report.placeDifferences.length} differ\n` +
        `orders: ${report.orders} compared, ${report.orderDifferences.length} differ\n`,
    )
    for (const d of report.placeDifferences.slice(0, 20)) {
      out.write(`  seat ${d.seatId} (place ${d.placeId}): here ${d.local}, provider ${d.provider}\n`)
    }
    for (const d of report.orderDifferences.slice(0, 20)) {
      out.write(`  booking ${d.bookingId} (order ${d.orderId}): here ${d.local}, provider ${d.provider}\n`)
    }
    out.write(differences === 0 ? '0 differences\n' : `${differences} differences\n`)
    if (differences > 0) process.exitCode = 1
    return report
  } finally {
    await http.close()
    await db.close()
  }
}
