import type { Tiyn } from '@kokdala/core'
import type { CheckData } from '@kokdala/webkassa'

/** A registered receipt: what the history lookups find and `/__sim/receipts` counts. */
export interface Receipt {
  checkNumber: string
  externalCheckNumber?: string
  cashbox: string
  shiftNumber: number
  checkOrderNumber: number
  operationType: 0 | 1 | 2 | 3
  total: Tiyn
  offline: boolean
  registeredAt: Date
  /** The `Data` answered when it was registered (and with code 14 when asked to). */
  data: CheckData & Record<string, unknown>
}

/** A registered cash deposit or withdrawal (no lookup exists for these at Webkassa; only the inspection sees them). */
export interface MoneyOperationRecord {
  externalCheckNumber?: string
  cashbox: string
  shiftNumber: number
  operationType: 0 | 1
  sum: Tiyn
  data: Record<string, unknown>
}

/**
 * Every receipt and money operation the simulator registered, by fiscal number and by external number (the
 * idempotency key; its scope here is the whole organization, the safest reading of research §1.8), and how many
 * requests carried each external number, so tests can assert exactly-once.
 */
export function createReceiptLedger() {
  const receipts: Receipt[] = []
  const byExternal = new Map<string, Receipt>()
  const byNumber = new Map<string, Receipt>()
  const attempts = new Map<string, number>()
  const moneyByExternal = new Map<string, MoneyOperationRecord>()
  const moneyOperations: MoneyOperationRecord[] = []
  let fiscalSequence = 0

  return {
    /** Counts a request carrying `external`, whatever comes of it. */
    attempt(external: string) {
      attempts.set(external, (attempts.get(external) ?? 0) + 1)
    },
    nextFiscalNumber(offline: boolean): string {
      fiscalSequence += 1
      // Autonomous fiscal signs are made by Webkassa itself; a different range keeps them apart in tests.
      return String((offline ? 2_000_000_000 : 1_000_000_000) + fiscalSequence)
    },
    add(receipt: Receipt) {
      receipts.push(receipt)
      byNumber.set(receipt.checkNumber, receipt)
      if (receipt.externalCheckNumber !== undefined) byExternal.set(receipt.externalCheckNumber, receipt)
    },
    byExternal: (external: string) => byExternal.get(external),
    byNumber: (number: string) => byNumber.get(number),
    inShift: (cashbox: string, shiftNumber: number) =>
      receipts.filter((r) => r.cashbox === cashbox && r.shiftNumber === shiftNumber),
    addMoney(record: MoneyOperationRecord) {
      moneyOperations.push(record)
      if (record.externalCheckNumber !== undefined) moneyByExternal.set(record.externalCheckNumber, record)
    },
    moneyByExternal: (external: string) => moneyByExternal.get(external),
    list: () => receipts,
    moneyOperations: () => moneyOperations,

    /** The inspection view: receipts per external number with the requests that carried it. */
    counts() {
      const byExternalNumber: Record<string, { receipts: number; attempts: number }> = {}
      for (const [external, n] of attempts) byExternalNumber[external] = { receipts: 0, attempts: n }
      for (const receipt of receipts) {
        if (receipt.externalCheckNumber === undefined) continue
        byExternalNumber[receipt.externalCheckNumber] ??= { receipts: 0, attempts: 0 }
        byExternalNumber[receipt.externalCheckNumber]!.receipts += 1
      }
      return {
        total: receipts.length,
        withoutExternalNumber: receipts.filter((r) => r.externalCheckNumber === undefined).length,
        byExternalNumber,
        moneyOperations: moneyOperations.length,
      }
    },
    reset() {
      receipts.length = 0
      moneyOperations.length = 0
      byExternal.clear()
      byNumber.clear()
      attempts.clear()
      moneyByExternal.clear()
      fiscalSequence = 0
    },
  }
}

export type ReceiptLedger = ReturnType<typeof createReceiptLedger>
