import { ConnectorError, connectorErrorKindOfStatus, type HttpResult, type HttpTarget } from '@kokdala/core'

export type ProviderOrderStatus = 'STARTED' | 'SUBMITTED' | 'CONFIRMED' | 'CANCELLED'

export interface ProviderOrder {
  id: string
  status: ProviderOrderStatus
  places_count: number
}

export interface ProviderPlace {
  id: string
  row: number
  seat: number
  is_free: boolean
}

/** The provider answered something we did not expect: the saga retries it like an outage. */
export class ProviderError extends ConnectorError {
  declare readonly status: number
  constructor(operation: string, result: HttpResult) {
    const kind = connectorErrorKindOfStatus(result.status)
    super(
      // Retryable whatever the status, because the saga retries every unexpected answer like an outage.
      { connector: 'event-provider', operation, kind, status: result.status, retryable: true },
      `event provider ${operation} answered ${result.status}`,
    )
    this.name = 'ProviderError'
  }
}

/** Largest page the provider serves; bigger requests are silently clamped to it. */
export const PROVIDER_PAGE_SIZE = 1000

/**
 * The Event Provider's partner API as the saga needs it, over HTTP. Errors are status codes without a body, and
 * several of them mean different things per call (see research §2.2), so each method turns them into an outcome
 * the saga can act on; anything else throws. Network failures, timeouts and an open breaker throw OutboundError.
 */
export function createProviderClient(http: HttpTarget) {
  const base = '/api/partners/v1'
  return {
    async createOrder(): Promise<string> {
      const result = await http.call('createOrder', { method: 'POST', path: `${base}/orders` })
      if (result.status !== 201) throw new ProviderError('createOrder', result)
      return result.json<{ order_id: string }>()!.order_id
    },

    /** The order's projection; undefined while the projection has not caught up with a fresh order. */
    async getOrder(orderId: string): Promise<ProviderOrder | undefined> {
      const result = await http.call('getOrder', { method: 'GET', path: `${base}/orders/${orderId}`, idempotent: true })
      if (result.status === 404) return undefined
      if (result.status !== 200) throw new ProviderError('getOrder', result)
      return result.json<ProviderOrder>()
    },

    /** 'conflict': the order is not STARTED or has no places yet (the caller checks which). */
    async submit(orderId: string): Promise<'ok' | 'conflict'> {
      return orderCommand('submit', orderId)
    },

    /** 'conflict': the order is not SUBMITTED. */
    async confirm(orderId: string): Promise<'ok' | 'conflict'> {
      return orderCommand('confirm', orderId)
    },

    /** 'conflict': the order is already CANCELLED, or CONFIRMED (which can never be cancelled). */
    async cancel(orderId: string): Promise<'ok' | 'conflict'> {
      return orderCommand('cancel', orderId)
    },

    /**
     * 'taken': 409 (selected by some order, maybe ours from an answer we never got) or the 500 the provider gives
     * the loser of a race on one place. Both mean "not selected by this call".
     */
    async selectPlace(placeId: string, orderId: string): Promise<'ok' | 'taken'> {
      const result = await http.call('selectPlace', {
        method: 'PATCH',
        path: `${base}/places/${placeId}/select`,
        json: { order_id: orderId },
      })
      if (result.status === 204) return 'ok'
      if (result.status === 409 || result.status === 500) return 'taken'
      throw new ProviderError('selectPlace', result)
    },

    /** 'not-selected' (500): nothing to release. 'not-joined' (409): selected but not yet in the order; wait. */
    async releasePlace(placeId: string): Promise<'ok' | 'not-selected' | 'not-joined'> {
      const result = await http.call('releasePlace', { method: 'PATCH', path: `${base}/places/${placeId}/release` })
      if (result.status === 204) return 'ok'
      if (result.status === 500) return 'not-selected'
      if (result.status === 409) return 'not-joined'
      throw new ProviderError('releasePlace', result)
    },

    listPlaces,

    /**
     * Walks the whole places listing, handing every non-empty page to `visit`. With more than one lane, that many
     * pages are fetched and visited at once, so pages arrive out of order. The listing has no total: the walk
     * ends at the first short page (lanes already past it fetch an empty page and stop). A failure in any lane
     * stops the others, so a failed walk does not keep loading in the background while the caller retries.
     */
    async eachPlacePage(
      visit: (places: ProviderPlace[], page: number) => Promise<void> | void,
      lanes = 1,
    ): Promise<void> {
      let nextPage = 1
      let done = false
      const lane = async () => {
        try {
          while (!done) {
            const page = nextPage++
            const places = await listPlaces(page)
            if (places.length < PROVIDER_PAGE_SIZE) done = true
            if (places.length > 0) await visit(places, page)
          }
        } catch (error) {
          done = true
          throw error
        }
      }
      await Promise.all(Array.from({ length: lanes }, lane))
    },
  }

  /** One page of places, ordered by row and seat; past the end, an empty one. */
  async function listPlaces(page: number, pageSize = PROVIDER_PAGE_SIZE): Promise<ProviderPlace[]> {
    const result = await http.call('listPlaces', {
      method: 'GET',
      path: `${base}/places`,
      query: { page, pageSize },
      idempotent: true,
    })
    if (result.status !== 200) throw new ProviderError('listPlaces', result)
    return result.json<ProviderPlace[]>() ?? []
  }

  async function orderCommand(command: 'submit' | 'confirm' | 'cancel', orderId: string): Promise<'ok' | 'conflict'> {
    const result = await http.call(`${command}Order`, { method: 'PATCH', path: `${base}/orders/${orderId}/${command}` })
    if (result.status === 200) return 'ok'
    if (result.status === 409) return 'conflict'
    throw new ProviderError(`${command}Order`, result)
  }
}

export type ProviderClient = ReturnType<typeof createProviderClient>
