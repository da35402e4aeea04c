import type { FastifyInstance } from 'fastify'

/**
 * What the status page reads, in the admin API's shapes (`GET /api/cashboxes`, `/api/token/status`,
 * `/api/receipts?status=…`, `/api/receipts/{id}`). The page knows the other modules only through these paths, with
 * the operator's own admin token, and copies only the fields it shows: nothing else can reach the page.
 */
export interface CashboxSnapshot {
  znk: string
  parked: { code: number | null; reason: string | null; since: string } | null
  queued: number
  oldestQueuedAt: string | null
  needsAttention: number
  shift: { number: number; openedAt: string; ageMinutes: number } | null
  lastReceiptOffline: boolean | null
}

export interface TokenSnapshot {
  configured: boolean
  hasToken: boolean
  generation: number
  fingerprint: string | null
  obtainedAt: string | null
  ageSeconds: number | null
  lastRefreshReason: string | null
  refreshing: boolean
  lastError: { code: number | null; text: string; at: string } | null
  blocked: boolean
  blockedUntil: string | null
  nextScheduledRefreshAt: string | null
}

export interface ReceiptSnapshot {
  id: number
  externalNumber: string
  kind: string
  source: string
  payment: string | null
  cashbox: string
  status: string
  total: string
  commission: string
  originalReceiptId: number | null
  fiscal: {
    checkNumber: string
    time: string | null
    shiftNumber: number | null
    offline: boolean
    ticketUrl: string | null
  } | null
  lastError: string | null
  lastErrorCode: number | null
  attempts: Array<{
    attempt: number
    startedAt: string
    finishedAt: string | null
    outcome: string | null
    error: string | null
  }>
  createdAt: string
  fiscalizedAt: string | null
}

export interface StatusSnapshot {
  cashboxes: CashboxSnapshot[]
  token: TokenSnapshot
  /** needs_attention and failed receipts, oldest first. */
  attention: ReceiptSnapshot[]
  /** Receipts whose answer was lost and are being looked up (the "we cannot reach Webkassa" signal). */
  recovering: ReceiptSnapshot[]
}

/** The admin API refused or failed: its status and stable code, passed on to the page's script. */
export class StatusApiError extends Error {
  readonly status: number
  readonly code: string | undefined
  constructor(status: number, code: string | undefined) {
    super(`admin API answered ${status}${code ? ` ${code}` : ''}`)
    this.name = 'StatusApiError'
    this.status = status
    this.code = code
  }
}

type Json = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' ? v : null)
const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)

function readCashbox(c: Json): CashboxSnapshot {
  const parked = c.parked as Json | null
  const shift = c.shift as Json | null
  return {
    znk: String(c.znk),
    parked: parked ? { code: int(parked.code), reason: str(parked.reason), since: String(parked.since) } : null,
    queued: int(c.queued) ?? 0,
    oldestQueuedAt: str(c.oldest_queued_at),
    needsAttention: int(c.needs_attention) ?? 0,
    shift: shift
      ? { number: int(shift.number) ?? 0, openedAt: String(shift.opened_at), ageMinutes: int(shift.age_minutes) ?? 0 }
      : null,
    lastReceiptOffline: typeof c.last_receipt_offline === 'boolean' ? c.last_receipt_offline : null,
  }
}

function readToken(t: Json): TokenSnapshot {
  const error = t.last_error as Json | null
  return {
    configured: t.configured === true,
    hasToken: t.has_token === true,
    generation: int(t.generation) ?? 0,
    fingerprint: str(t.fingerprint),
    obtainedAt: str(t.obtained_at),
    ageSeconds: int(t.age_seconds),
    lastRefreshReason: str(t.last_refresh_reason),
    refreshing: t.refreshing === true,
    lastError: error ? { code: int(error.code), text: String(error.text ?? ''), at: String(error.at) } : null,
    blocked: t.blocked === true,
    blockedUntil: str(t.blocked_until),
    nextScheduledRefreshAt: str(t.next_scheduled_refresh_at),
  }
}

/** Reads one receipt of the API; its content and the caller's id stay out of the page. */
export function readReceipt(r: Json): ReceiptSnapshot {
  const fiscal = r.fiscal as Json | null
  const attempts = Array.isArray(r.attempts) ? (r.attempts as Json[]) : []
  return {
    id: int(r.id) ?? 0,
    externalNumber: String(r.external_number),
    kind: String(r.kind),
    source: String(r.source),
    payment: str(r.payment),
    cashbox: String(r.cashbox),
    status: String(r.status),
    total: String(r.total),
    commission: String(r.commission),
    originalReceiptId: int(r.original_receipt_id),
    fiscal: fiscal
      ? {
          checkNumber: String(fiscal.check_number),
          time: str(fiscal.time),
          shiftNumber: int(fiscal.shift_number),
          offline: fiscal.offline === true,
          ticketUrl: str(fiscal.ticket_url),
        }
      : null,
    lastError: str(r.last_error),
    lastErrorCode: int(r.last_error_code),
    attempts: attempts.map((a) => ({
      attempt: int(a.attempt) ?? 0,
      startedAt: String(a.started_at),
      finishedAt: str(a.finished_at),
      outcome: str(a.outcome),
      error: str(a.error),
    })),
    createdAt: String(r.created_at),
    fiscalizedAt: str(r.fiscalized_at),
  }
}

/** How the page reaches the admin API; every call carries the operator's `Authorization` header. */
export interface StatusApi {
  status(authorization: string | undefined): Promise<StatusSnapshot>
  /** A receipt, or undefined when the API answers 404. */
  receipt(authorization: string | undefined, id: number): Promise<ReceiptSnapshot | undefined>
}

/**
 * The admin API through the service's own router (`app.inject`): the same guard, validation and answers as a
 * curl with the token; the page holds no secret of its own.
 */
export function injectedStatusApi(app: FastifyInstance): StatusApi {
  async function get(url: string, authorization: string | undefined, allow404 = false): Promise<Json | undefined> {
    const answer = await app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} })
    let body: Json | undefined
    try {
      body = answer.json()
    } catch {
      body = undefined
    }
    if (allow404 && answer.statusCode === 404) return undefined
    if (answer.statusCode !== 200 || !body) {
      const code = (body?.error as Json | undefined)?.code
      throw new StatusApiError(answer.statusCode, typeof code === 'string' ? code : undefined)
    }
    return body
  }
  const list = async (status: string, authorization: string | undefined, limit: number) => {
    const body = await get(`/api/receipts?status=${status}&limit=${limit}`, authorization)
    return ((body?.receipts as Json[] | undefined) ?? []).map(readReceipt)
  }

  return {
    async status(authorization) {
      // The token first: a wrong admin token is answered once, before the other reads.
      const token = readToken((await get('/api/token/status', authorization)) as Json)
      const [cashboxes, attention, failed, recovering] = await Promise.all([
        get('/api/cashboxes', authorization),
        list('needs_attention', authorization, 100),
        list('failed', authorization, 100),
        list('recovering', authorization, 100),
      ])
      return {
        token,
        cashboxes: ((cashboxes?.cashboxes as Json[] | undefined) ?? []).map(readCashbox),
        attention: [...attention, ...failed].sort((a, b) => a.id - b.id),
        recovering,
      }
    },
    async receipt(authorization, id) {
      const body = await get(`/api/receipts/${id}`, authorization, true)
      return body ? readReceipt(body) : undefined
    },
  }
}
