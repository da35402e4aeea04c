import { toTiyn } from '@kokdala/core'
import type { PaymentType } from '@kokdala/webkassa'
import type { ReceiptContent } from './receipt.ts'

/** A receipt's content as stored in jsonb: tiyn as decimal strings, since JSON numbers cannot hold every bigint. */
export function contentToJson(content: ReceiptContent): unknown {
  return {
    kind: content.kind,
    // Keys in a fixed order: two contents are compared by their JSON text (jsonb does not keep key order).
    lines: content.lines.map((l) => ({
      name: l.name,
      count: l.count,
      priceTiyn: l.priceTiyn.toString(),
      vatPercent: l.vatPercent,
      unitCode: l.unitCode,
    })),
    payments: content.payments.map((p) => ({ type: p.type, sumTiyn: p.sumTiyn.toString() })),
  }
}

interface StoredContent {
  kind: ReceiptContent['kind']
  lines: Array<{ name: string; count: number; priceTiyn: string; vatPercent: number; unitCode: number }>
  payments: Array<{ type: PaymentType; sumTiyn: string }>
}

/** The stored jsonb back as a receipt's content. */
export function contentFromJson(json: unknown): ReceiptContent {
  const stored = (typeof json === 'string' ? JSON.parse(json) : json) as StoredContent
  return {
    kind: stored.kind,
    lines: stored.lines.map((l) => ({
      name: l.name,
      count: l.count,
      priceTiyn: toTiyn(l.priceTiyn),
      vatPercent: l.vatPercent,
      unitCode: l.unitCode,
    })),
    payments: stored.payments.map((p) => ({ type: p.type, sumTiyn: toTiyn(p.sumTiyn) })),
  }
}
