import type { Queryable } from '@kokdala/core'

/** A payment method as stored: its commission in basis points (1400 = 14 %). */
export interface PaymentMethodRow {
  id: number
  code: string
  name: string
  type: 'card' | 'credit' | 'installment'
  productType: string
  iconEmoji: string
  commissionBp: number
  installmentMonths: string | null
  active: boolean
}

const COLUMNS = `m.id, m.code, m.name, m.type, m.product_type AS "productType", m.icon_emoji AS "iconEmoji",
  m.commission_bp AS "commissionBp", m.installment_months AS "installmentMonths", m.active`

/** The only SQL of the methods module (tables `payment_method`, `payment_method_alias`). */
export function createMethodRepository(db: Queryable) {
  return {
    async listActive(): Promise<PaymentMethodRow[]> {
      const { rows } = await db.query<PaymentMethodRow>(
        `SELECT ${COLUMNS} FROM payment_method m WHERE m.active ORDER BY m.sort_order`,
      )
      return rows
    },

    async listAll(): Promise<PaymentMethodRow[]> {
      const { rows } = await db.query<PaymentMethodRow>(`SELECT ${COLUMNS} FROM payment_method m ORDER BY m.sort_order`)
      return rows
    },

    /** A method by its code or one of its aliases (`kaspi_credit` is `kaspi_kredit`). */
    async findByCode(code: string): Promise<PaymentMethodRow | undefined> {
      const { rows } = await db.query<PaymentMethodRow>(
        `SELECT ${COLUMNS} FROM payment_method m
         WHERE m.code = $1 OR m.id = (SELECT method_id FROM payment_method_alias WHERE alias = $1)`,
        [code],
      )
      return rows[0]
    },
  }
}

export type MethodRepository = ReturnType<typeof createMethodRepository>
