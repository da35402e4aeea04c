import { controlBody } from '@kokdala/sim-kit'
import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { type Cashbox, UNIQUE_NUMBER } from '../cashboxes.ts'
import { COMMITTING_OPERATIONS, type CommittingOperation, type WebkassaSimContext } from '../context.ts'
import { ControlError } from '../errors.ts'

const ZNK = Type.String({ pattern: UNIQUE_NUMBER.source })
const Login = Type.String({ minLength: 1, maxLength: 254 })

const NewAccount = Type.Object(
  {
    login: Login,
    password: Type.String({ minLength: 1, maxLength: 200 }),
    cashboxes: Type.Optional(Type.Array(ZNK, { maxItems: 1000 })),
  },
  { additionalProperties: false },
)
const NewCashbox = Type.Object(
  {
    uniqueNumber: ZNK,
    blocked: Type.Optional(Type.Boolean()),
    activated: Type.Optional(Type.Boolean()),
    /** Logins given access; default every account. */
    accounts: Type.Optional(Type.Array(Login, { maxItems: 1000 })),
  },
  { additionalProperties: false },
)
const CashboxPatch = Type.Object(
  {
    blocked: Type.Optional(Type.Boolean()),
    activated: Type.Optional(Type.Boolean()),
    ofdReachable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
const Access = Type.Object({ login: Login, granted: Type.Boolean() }, { additionalProperties: false })
const Ofd = Type.Object({ reachable: Type.Boolean(), cashbox: Type.Optional(ZNK) }, { additionalProperties: false })
const ClockMove = Type.Object(
  { advanceMs: Type.Integer({ minimum: -10 * 365 * 86_400_000, maximum: 10 * 365 * 86_400_000 }) },
  { additionalProperties: false },
)
const Drops = Type.Object(
  {
    next: Type.Integer({ minimum: 0, maximum: 10_000 }),
    operation: Type.Optional(Type.Union(COMMITTING_OPERATIONS.map((op) => Type.Literal(op)))),
  },
  { additionalProperties: false },
)
const Empty = Type.Object({}, { additionalProperties: false })

/**
 * The simulator's own controls under `/__sim` (guarded like the kit's): accounts and token expiry, cashboxes and
 * their state, the OFD link, the clock, commit-then-drop, the inspection of receipts and logins, and a reset.
 */
export function controlRoutes(ctx: WebkassaSimContext): FastifyPluginAsync {
  const { sim } = ctx
  return async (app) => {
    function cashboxOf(number: string): Cashbox {
      const cashbox = sim.cashboxes.get(number)
      if (!cashbox) throw new ControlError(404, 'UNKNOWN_CASHBOX', `no cashbox ${JSON.stringify(number.slice(0, 40))}`)
      return cashbox
    }

    function cashboxView(cashbox: Cashbox) {
      return {
        uniqueNumber: cashbox.uniqueNumber,
        registrationNumber: cashbox.registrationNumber,
        blocked: cashbox.blocked,
        activated: cashbox.activated,
        ofdReachable: cashbox.ofdReachable,
        offlineSince: cashbox.offlineSince === undefined ? null : new Date(cashbox.offlineSince).toISOString(),
        cashBalance: String(cashbox.cashBalance),
        busy: cashbox.busy,
        shifts: cashbox.shifts.map((shift) => ({
          number: shift.number,
          openedAt: shift.openedAt.toISOString(),
          closedAt: shift.closedAt?.toISOString() ?? null,
          documentCount: shift.documentCount,
        })),
      }
    }

    function accountView(login: string) {
      const account = sim.accounts.get(login)!
      return {
        login: account.login,
        cashboxes: [...account.cashboxes],
        authorizeCalls: account.authorizeCalls,
        liveTokens: sim.accounts.liveTokens(account.login),
      }
    }

    app.get('/__sim/cashboxes', async () => ({ cashboxes: sim.cashboxes.list().map(cashboxView) }))

    app.post('/__sim/cashboxes', async (request, reply) => {
      const input = controlBody<{ uniqueNumber: string; blocked?: boolean; activated?: boolean; accounts?: string[] }>(
        NewCashbox,
        request.body,
      )
      if (sim.cashboxes.get(input.uniqueNumber)) {
        throw new ControlError(409, 'CASHBOX_EXISTS', `cashbox ${input.uniqueNumber} exists`)
      }
      const logins = input.accounts ?? sim.accounts.list().map((account) => account.login)
      for (const login of logins) {
        if (!sim.accounts.get(login)) throw new ControlError(404, 'UNKNOWN_ACCOUNT', `no account ${login.slice(0, 60)}`)
      }
      const cashbox = sim.cashboxes.add(input)
      for (const login of logins) sim.accounts.get(login)!.cashboxes.add(cashbox.uniqueNumber)
      return reply.code(201).send(cashboxView(cashbox))
    })

    type ByNumber = { Params: { number: string } }

    app.get<ByNumber>('/__sim/cashboxes/:number', async (request) => cashboxView(cashboxOf(request.params.number)))

    app.patch<ByNumber>('/__sim/cashboxes/:number', async (request) => {
      const patch = controlBody<{ blocked?: boolean; activated?: boolean; ofdReachable?: boolean }>(
        CashboxPatch,
        request.body,
      )
      const cashbox = cashboxOf(request.params.number)
      if (patch.blocked !== undefined) cashbox.blocked = patch.blocked
      if (patch.activated !== undefined) cashbox.activated = patch.activated
      if (patch.ofdReachable !== undefined) sim.setOfdReachable(cashbox, patch.ofdReachable)
      return cashboxView(cashbox)
    })

    app.post<ByNumber>('/__sim/cashboxes/:number/access', async (request) => {
      const { login, granted } = controlBody<{ login: string; granted: boolean }>(Access, request.body)
      const cashbox = cashboxOf(request.params.number)
      const account = sim.accounts.get(login)
      if (!account) throw new ControlError(404, 'UNKNOWN_ACCOUNT', `no account ${login.slice(0, 60)}`)
      if (granted) account.cashboxes.add(cashbox.uniqueNumber)
      else account.cashboxes.delete(cashbox.uniqueNumber)
      return accountView(login)
    })

    app.post('/__sim/ofd', async (request) => {
      const { reachable, cashbox } = controlBody<{ reachable: boolean; cashbox?: string }>(Ofd, request.body)
      const targets = cashbox === undefined ? sim.cashboxes.list() : [cashboxOf(cashbox)]
      for (const target of targets) sim.setOfdReachable(target, reachable)
      return { cashboxes: targets.map(cashboxView) }
    })

    app.get('/__sim/accounts', async () => ({
      accounts: sim.accounts.list().map((account) => accountView(account.login)),
    }))

    app.post('/__sim/accounts', async (request, reply) => {
      const input = controlBody<{ login: string; password: string; cashboxes?: string[] }>(NewAccount, request.body)
      for (const number of input.cashboxes ?? []) cashboxOf(number)
      sim.accounts.add({ ...input, cashboxes: input.cashboxes ?? [] })
      return reply.code(201).send(accountView(input.login))
    })

    app.post<{ Params: { login: string } }>('/__sim/accounts/:login/expire-token', async (request) => {
      controlBody(Empty, request.body)
      const { login } = request.params
      if (!sim.accounts.get(login)) throw new ControlError(404, 'UNKNOWN_ACCOUNT', `no account ${login.slice(0, 60)}`)
      return { login, expired: sim.accounts.expireTokens(login) }
    })

    const clockView = () => ({ now: sim.clock.now().toISOString(), offsetMs: sim.clock.offsetMs() })
    app.get('/__sim/clock', async () => clockView())
    app.post('/__sim/clock', async (request) => {
      const { advanceMs } = controlBody<{ advanceMs: number }>(ClockMove, request.body)
      sim.clock.advance(advanceMs)
      return clockView()
    })
    app.delete('/__sim/clock', async () => {
      sim.clock.reset()
      return clockView()
    })

    app.post('/__sim/commit-then-drop', async (request) => {
      const { next, operation = 'check' } = controlBody<{ next: number; operation?: CommittingOperation }>(
        Drops,
        request.body,
      )
      ctx.pendingDrops.set(operation, next)
      return { operation, pending: next }
    })

    /** The inspection: receipts per external number (with the requests that carried it) and Authorize counts. */
    app.get('/__sim/receipts', async () => ({
      receipts: sim.ledger.counts(),
      authorize: sim.accounts.authorizeCounts(),
    }))

    app.get<{ Params: { external: string } }>('/__sim/receipts/:external', async (request) => {
      const receipt = sim.ledger.byExternal(request.params.external)
      if (!receipt) throw new ControlError(404, 'UNKNOWN_RECEIPT', 'no receipt with this external number')
      return {
        externalCheckNumber: receipt.externalCheckNumber,
        cashbox: receipt.cashbox,
        shiftNumber: receipt.shiftNumber,
        total: String(receipt.total),
        offline: receipt.offline,
        data: receipt.data,
      }
    })

    app.post('/__sim/reset', async () => {
      ctx.reset()
      return { reset: true }
    })
  }
}
