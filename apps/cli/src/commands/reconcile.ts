import { createHttpTarget } from '@kokdala/core'
import {
  createProviderClient,
  loadTicketsConfig,
  openTicketsDatabase,
  type ReconciliationReport,
  reconcileWithProvider,
} from '@kokdala/tickets'

/** How many differences of each kind are printed one by one; the totals count them all. */
const SHOWN = 20

/**
 * `kokdala reconcile`: compares Biletter's event-1 seats and provider orders with the Event Provider and prints
 * every difference, provider places the stadium has no seat for included; exits 1 when there is any, so a
 * script or a cron job can tell. Reads the tickets database (DATABASE_URL, or the PGlite data dir while the service
 * is stopped) and the provider at EVENT_PROVIDER_URL.
 */
export async function reconcile(out = process.stdout): Promise<ReconciliationReport> {
  const config = loadTicketsConfig()
  const providerUrl = config.EVENT_PROVIDER_URL ?? 'http://127.0.0.1:9001'
  const db = await openTicketsDatabase(config)
  const http = createHttpTarget({ name: 'event-provider', baseUrl: providerUrl, timeoutMs: 10_000 })
  try {
    out.write(`reconciling ${config.DATABASE_URL ? 'PostgreSQL' : config.TICKETS_DATA_DIR} with ${providerUrl}\n`)
    const report = await reconcileWithProvider(db, createProviderClient(http))
    const differences = report.placeDifferences.length + report.unmappablePlaces.length + report.orderDifferences.length
    out.write(
      `places: ${report.places} compared, ${report.inFlight} in flight, ${report.placeDifferences.length} differ, ` +
        `${report.unmappablePlaces.length} cannot be mapped to a seat\n` +
        `orders: ${report.orders} compared, ${report.orderDifferences.length} differ\n`,
    )
    for (const d of report.placeDifferences.slice(0, SHOWN)) {
      out.write(`  seat ${d.seatId} (place ${d.placeId}): here ${d.local}, provider ${d.provider}\n`)
    }
    for (const d of report.unmappablePlaces.slice(0, SHOWN)) {
      out.write(`  place ${d.placeId} at row ${d.row}, seat ${d.seat}: no such seat here, provider ${d.provider}\n`)
    }
    for (const d of report.orderDifferences.slice(0, SHOWN)) {
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
