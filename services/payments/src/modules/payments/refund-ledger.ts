import type { Queryable } from '@kokdala/core'

/** A refund row of the ledger that no reversal cancelled, with the terminal's id of the refund. */
export interface LedgerRefundRow {
  refundId: number
  attemptId: number
  amountTiyn: bigint
  reference: string | null
}

const LIVE_REFUND = `SELECT e.id AS "refundId", e.attempt_id AS "attemptId", e.gross_tiyn AS "amountTiyn",
    e.terminal_reference AS reference
  FROM payment_entry e
  WHERE e.kind = 'refund'
    AND NOT EXISTS (SELECT 1 FROM payment_entry r WHERE r.kind = 'refund_reversal' AND r.refers_to = e.id)`

function toRow(row: { refundId: unknown; attemptId: unknown; amountTiyn: unknown; reference: string | null }) {
  return {
    refundId: Number(row.refundId),
    attemptId: Number(row.attemptId),
    amountTiyn: BigInt(String(row.amountTiyn)),
    reference: row.reference,
  }
}

/**
 * The ledger's refund rows as the reconciliation reads them, and the one write a ledger row ever gets after its
 * insert: the terminal's refund process id, known only once the terminal answered (the row is written first, under
 * the payment's lock, so concurrent refunds cannot spend the same money). No money column is ever changed.
 */
export function createRefundLedger(db: Queryable) {
  return {
    /** Records the terminal's id of a refund on its ledger row; a row that has one keeps it. */
    async setReference(entryId: number, reference: string): Promise<void> {
      await db.query(
        `UPDATE payment_entry SET terminal_reference = $2
         WHERE id = $1 AND kind = 'refund' AND terminal_reference IS NULL`,
        [entryId, reference],
      )
    },

    /** Refunds (not reversed) recorded in [from, to). */
    async between(from: Date, to: Date): Promise<LedgerRefundRow[]> {
      const { rows } = await db.query<LedgerRefundRow>(
        `${LIVE_REFUND} AND e.created_at >= $1 AND e.created_at < $2 ORDER BY e.id`,
        [from, to],
      )
      return rows.map(toRow)
    },

    /** Refunds (not reversed) by the terminals' refund ids, whatever their date. */
    async byReferences(references: string[]): Promise<LedgerRefundRow[]> {
      if (references.length === 0) return []
      const { rows } = await db.query<LedgerRefundRow>(
        `${LIVE_REFUND} AND e.terminal_reference = ANY ($1::text[]) ORDER BY e.id`,
        [references],
      )
      return rows.map(toRow)
    },
  }
}
