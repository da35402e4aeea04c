import { prefixedId, type Queryable } from '@kokdala/core'
import type { GatewayPaymentStatus } from '../gateway.ts'

export interface TestGatewayPayment {
  id: string
  orderId: string
  amount: number
  description: string
  status: GatewayPaymentStatus
  successUrl: string
  failUrl: string
}

const COLUMNS = `id, order_id AS "orderId", amount, description, status, success_url AS "successUrl",
  fail_url AS "failUrl"`

/** The test-mode gateway's own storage. */
export function createTestGatewayRepository(db: Queryable) {
  return {
    async create(input: Omit<TestGatewayPayment, 'id' | 'status'>): Promise<TestGatewayPayment> {
      const { rows } = await db.query<TestGatewayPayment>(
        `INSERT INTO test_gateway_payment (id, order_id, amount, description, status, success_url, fail_url)
         VALUES ($1, $2, $3, $4, 'PENDING', $5, $6)
         ON CONFLICT (order_id) DO UPDATE SET order_id = EXCLUDED.order_id
         RETURNING ${COLUMNS}`,
        [prefixedId('tgw'), input.orderId, input.amount, input.description, input.successUrl, input.failUrl],
      )
      return rows[0]
    },

    async find(id: string): Promise<TestGatewayPayment | undefined> {
      const { rows } = await db.query<TestGatewayPayment>(`SELECT ${COLUMNS} FROM test_gateway_payment WHERE id = $1`, [
        id,
      ])
      return rows[0]
    },

    /** Moves a payment from one of `from` to `to`; returns the payment as it is afterwards. */
    async move(
      id: string,
      from: GatewayPaymentStatus[],
      to: GatewayPaymentStatus,
    ): Promise<TestGatewayPayment | undefined> {
      await db.query(
        `UPDATE test_gateway_payment SET status = $3, updated_at = now() WHERE id = $1 AND status = ANY($2)`,
        [id, from, to],
      )
      return this.find(id)
    },
  }
}

export type TestGatewayRepository = ReturnType<typeof createTestGatewayRepository>
