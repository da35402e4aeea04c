import { parseTengeNumber, type Tiyn } from '@kokdala/core'
import type { FastifyInstance } from 'fastify'

/**
 * What the payment page reads, in the seed's public API shapes (`GET /api/payment/{id}`,
 * `GET /api/payment-methods/active`). The page knows the payments module only through these paths, the same ones
 * its script calls from the browser, so it shows exactly what an integrator's own page would see.
 */
export interface PaymentSnapshot {
  transactionId: string
  status: string
  description: string
  /** What the order costs the merchant (`original_amount`, or `amount` before a method is chosen). */
  originalAmount: Tiyn
  amount: Tiyn
  paidAmount: Tiyn
  remainingAmount: Tiyn
  writtenOffAmount: Tiyn
  /** Until when it can be paid, as the API writes it ("2026-01-13 15:30:00", Kazakhstan time). */
  expiresAt?: string
  /** The chosen method's code, when the API names it. */
  paymentMethod?: string
  /** The current attempt's Kaspi QR (a URL) and its link for phones, while the payment is `processing`. */
  qrCode?: string
  paymentUrl?: string
}

export interface MethodOption {
  code: string
  name: string
  type: string
  /** The commission the customer pays on top, in basis points (1400 = 14 %); 0 when the merchant absorbs it. */
  commissionBp: number
  installmentMonths: string | null
}

/** How the page reaches the API; the default goes through the service's own routes (`app.inject`). */
export interface PaymentPageApi {
  /** The payment, or undefined when the API answers 404 (or 400: an id it does not accept). */
  payment(id: string, clientIp: string): Promise<PaymentSnapshot | undefined>
  methods(clientIp: string): Promise<MethodOption[]>
  /** `POST /api/payment/{id}/kaspi` for the page's form when it is posted without the script. */
  startKaspi(id: string, paymentMethod: string, clientIp: string): Promise<KaspiStart>
}

/** How `/kaspi` answered: started, or refused with the API's status and stable code. */
export type KaspiStart = { started: true } | { started: false; status: number; code?: string }

/** The API answered something the page cannot show (a 5xx, a 429, or a body not in the seed's shape). */
export class PageApiError extends Error {
  readonly status: number
  constructor(message: string, status: number) {
    super(message)
    this.name = 'PageApiError'
    this.status = status
  }
}

type Json = Record<string, unknown>

function tiyn(data: Json, field: string, fallback?: Tiyn): Tiyn {
  const value = data[field]
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback
    throw new PageApiError(`payment field ${field} is missing`, 502)
  }
  try {
    return parseTengeNumber(value as number)
  } catch {
    throw new PageApiError(`payment field ${field} is not a tenge amount`, 502)
  }
}

function text(data: Json, field: string): string | undefined {
  const value = data[field]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** Reads `data` of `GET /api/payment/{id}`; only the fields the page shows, so nothing else can leak onto it. */
export function readPayment(data: Json): PaymentSnapshot {
  const transactionId = text(data, 'transaction_id')
  const status = text(data, 'status')
  if (!transactionId || !status) throw new PageApiError('payment without transaction_id or status', 502)
  const amount = tiyn(data, 'amount')
  return {
    transactionId,
    status,
    description: text(data, 'description') ?? '',
    originalAmount: tiyn(data, 'original_amount', amount),
    amount,
    paidAmount: tiyn(data, 'paid_amount', 0n),
    remainingAmount: tiyn(data, 'remaining_amount', amount),
    writtenOffAmount: tiyn(data, 'written_off_amount', 0n),
    paymentMethod: text(data, 'payment_method'),
    expiresAt: text(data, 'expires_at'),
    qrCode: text(data, 'qr_code'),
    paymentUrl: text(data, 'payment_url'),
  }
}

function percentToBp(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value * 100) : 0
}

/** Reads one method of `GET /api/payment-methods/active`: its commission is on the field of its type, as in the seed. */
export function readMethod(data: Json): MethodOption | undefined {
  const code = text(data, 'code')
  if (!code) return undefined
  const type = text(data, 'type') ?? 'card'
  const percent =
    type === 'credit'
      ? data.credit_commission_percent
      : type === 'installment'
        ? data.installment_commission_percent
        : data.commission_percent
  return {
    code,
    name: text(data, 'name') ?? code,
    type,
    // `add_commission_to_amount: false` means the merchant bears it: nothing extra for the customer to pay.
    commissionBp: data.add_commission_to_amount === false ? 0 : percentToBp(percent),
    installmentMonths: text(data, 'installment_months') ?? null,
  }
}

/**
 * The API through the service's own router: no socket, the same validation, envelope and rate limits as a browser's
 * call, counted against the customer's address rather than the server's.
 */
export function injectedApi(app: FastifyInstance): PaymentPageApi {
  async function get(url: string, clientIp: string): Promise<{ status: number; body: Json | undefined }> {
    const answer = await app.inject({ method: 'GET', url, remoteAddress: clientIp })
    let body: Json | undefined
    try {
      body = answer.json()
    } catch {
      body = undefined
    }
    return { status: answer.statusCode, body }
  }

  return {
    async payment(id, clientIp) {
      const { status, body } = await get(`/api/payment/${encodeURIComponent(id)}`, clientIp)
      if (status === 404 || status === 400) return undefined
      if (status !== 200 || body?.success !== true || typeof body.data !== 'object' || body.data === null) {
        throw new PageApiError(`GET /api/payment/{id} answered ${status}`, status === 200 ? 502 : status)
      }
      return readPayment(body.data as Json)
    },
    async startKaspi(id, paymentMethod, clientIp) {
      const answer = await app.inject({
        method: 'POST',
        url: `/api/payment/${encodeURIComponent(id)}/kaspi`,
        payload: { payment_method: paymentMethod },
        remoteAddress: clientIp,
      })
      if (answer.statusCode === 200) return { started: true }
      let code: unknown
      try {
        code = answer.json().code
      } catch {
        code = undefined
      }
      return { started: false, status: answer.statusCode, code: typeof code === 'string' ? code : undefined }
    },
    async methods(clientIp) {
      const { status, body } = await get('/api/payment-methods/active', clientIp)
      if (status !== 200 || body?.success !== true || !Array.isArray(body.data)) {
        throw new PageApiError(`GET /api/payment-methods/active answered ${status}`, status === 200 ? 502 : status)
      }
      return body.data.flatMap((method) => {
        const read = typeof method === 'object' && method !== null ? readMethod(method as Json) : undefined
        return read ? [read] : []
      })
    },
  }
}
