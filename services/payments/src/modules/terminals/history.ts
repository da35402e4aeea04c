import type { TerminalTransaction, TransactionHistory } from './reconcile.ts'
import type { TerminalAddress } from './repository.ts'

/** A simulated terminal's address: `http://host:9003/terminals/<id>`; its history is on the simulator's control API. */
const SIMULATED = /^(https?:\/\/[^/]+)\/terminals\/([^/?#]+)\/?$/

interface SimTransaction {
  transactionId?: unknown
  processId?: unknown
  amount?: unknown
  productType?: unknown
  at?: unknown
  type?: unknown
}

const KINDS: readonly unknown[] = ['purchase', 'refund']

/**
 * The Kaspi simulator's transaction history (`GET /__sim/terminals/<id>/transactions`): purchases and refunds, each
 * with its process id. A real terminal's local API has no such call (kaspi-terminal-protocol.md); its daily report
 * (Kaspi Business) would be another `TransactionHistory`.
 */
export function createSimulatorHistory({ timeoutMs }: { timeoutMs: number }): TransactionHistory {
  return {
    async transactions(terminal: TerminalAddress, { from, to }: { from: Date; to: Date }) {
      const match = SIMULATED.exec(terminal.baseUrl)
      if (!match) throw new Error(`terminal ${terminal.id} is not simulated: its history needs a Kaspi report`)
      const [, origin, id] = match
      const response = await fetch(`${origin}/__sim/terminals/${encodeURIComponent(id)}/transactions`, {
        signal: AbortSignal.timeout(timeoutMs),
      })
      if (!response.ok) throw new Error(`simulator history of terminal ${terminal.id}: HTTP ${response.status}`)
      const body = (await response.json()) as { transactions?: SimTransaction[] }
      const list = Array.isArray(body.transactions) ? body.transactions : []
      const result: TerminalTransaction[] = []
      for (const t of list) {
        // Purchases are reconciled against captures, refunds against the ledger's refunds.
        if (!KINDS.includes(t.type)) continue
        const at = new Date(String(t.at))
        if (!(at >= from && at < to) || typeof t.transactionId !== 'string') continue
        const tenge = Number(t.amount)
        if (!Number.isFinite(tenge)) continue
        result.push({
          kind: t.type as TerminalTransaction['kind'],
          transactionId: t.transactionId,
          processId: typeof t.processId === 'string' ? t.processId : undefined,
          amountTiyn: BigInt(Math.round(tenge * 100)),
          productType: typeof t.productType === 'string' ? t.productType : undefined,
          at,
        })
      }
      return result
    },
  }
}

/**
 * `kokdala start` on an empty database: the simulator's terminals become ours (`Касса <id>`, its camera is the
 * terminal's id), so a payment can be tried at once. Nothing happens once any terminal is registered.
 */
export async function adoptSimulatorTerminals(
  simulatorUrl: string,
  admin: {
    list(): Promise<unknown[]>
    add(input: { name: string; baseUrl: string; accessToken: string; cameraId: string }): Promise<unknown>
  },
  timeoutMs: number,
): Promise<number> {
  if ((await admin.list()).length > 0) return 0
  const response = await fetch(`${simulatorUrl}/__sim/terminals`, { signal: AbortSignal.timeout(timeoutMs) })
  if (!response.ok) throw new Error(`kaspi simulator terminals: HTTP ${response.status}`)
  const { terminals = [] } = (await response.json()) as { terminals?: { id?: unknown; accessToken?: unknown }[] }
  let added = 0
  for (const { id, accessToken } of terminals) {
    if (typeof id !== 'string' || typeof accessToken !== 'string') continue
    await admin.add({ name: `Касса ${id}`, baseUrl: `${simulatorUrl}/terminals/${id}`, accessToken, cameraId: id })
    added++
  }
  return added
}
