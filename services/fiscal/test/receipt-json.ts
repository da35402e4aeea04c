/** A receipt as GET /api/receipts shows it (what these tests read). */
export interface ReceiptJson {
  id: number
  external_number: string
  kind: string
  total: string
  commission: string
  status: string
  cashbox: string
  original_receipt_id: number | null
  fiscal: { check_number: string; shift_number: number; ticket_url: string; via: string }
  last_error: string
  last_error_code: number
  attempts: Array<{ outcome: string; finished_at: string | null; error: string | null }>
}
