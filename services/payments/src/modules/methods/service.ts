import type { MethodRepository, PaymentMethodRow } from './repository.ts'

/** The payment methods a customer can choose, and their commissions. */
export function createMethodService({ methods }: { methods: MethodRepository }) {
  // Methods change by migration or by an operator, rarely; the list is read on every page view and /kaspi call.
  let cache: { at: number; rows: PaymentMethodRow[] } | undefined
  const CACHE_MS = 5_000

  async function all(): Promise<PaymentMethodRow[]> {
    const now = Date.now()
    if (!cache || now - cache.at > CACHE_MS) cache = { at: now, rows: await methods.listAll() }
    return cache.rows
  }

  return {
    /**
     * Every method's code by id, switched-off ones included (a payment paid before the switch keeps its method):
     * read before a transaction that records events, which must not wait on a second connection (PGlite has one).
     */
    async codes(): Promise<ReadonlyMap<number, string>> {
      return new Map((await all()).map((method) => [method.id, method.code]))
    },
    /** Active methods in display order. */
    async active(): Promise<PaymentMethodRow[]> {
      return (await all()).filter((method) => method.active)
    },
    /** An active method by code or alias; undefined when unknown or switched off. */
    async byCode(code: string): Promise<PaymentMethodRow | undefined> {
      const found = await methods.findByCode(code)
      return found?.active ? found : undefined
    },
    /** The method a terminal's `ProductType` names (`Gold`, `Credit`, …); `Loan` is paid as credit. */
    async byProductType(productType: string): Promise<PaymentMethodRow | undefined> {
      const wanted = productType === 'Loan' ? 'Credit' : productType
      return (await all()).find((method) => method.productType === wanted)
    },
  }
}

export type MethodService = ReturnType<typeof createMethodService>
