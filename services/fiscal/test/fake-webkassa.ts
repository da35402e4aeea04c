import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { WebkassaClient, WebkassaResult, XZReportData } from '@kokdala/webkassa'
import { SECRETS } from './secrets.ts'

export interface FakeWebkassaOptions {
  /** A new login invalidates every older token at once (Webkassa's likely behaviour, research §1.2). */
  strict?: boolean
  /** How long Authorize takes. */
  authorizeMs?: number
  /** How long an X report takes; the token is checked when it ends, so a login meanwhile refuses it. */
  callMs?: number
}

/**
 * Webkassa as far as the token matters: Authorize issues a token (refusing a wrong password with code 1), and the X
 * report stands for any call — code 2 for an expired or replaced token, code 3 for one never issued. Counts logins.
 */
export function createFakeWebkassa({ strict = true, authorizeMs = 20, callMs = 5 }: FakeWebkassaOptions = {}) {
  const valid = new Set<string>()
  const issued = new Set<string>()
  const stats = { authorize: 0, calls: 0 }
  let password: string = SECRETS.password
  /** Held calls and logins wait here until released (tests that need a call to be in flight at a given moment). */
  const gates = { calls: gate(), authorize: gate() }
  const unsupported = async () => ({ kind: 'unknown', reason: 'network' }) as const

  const client: WebkassaClient = {
    async authorize(login, given) {
      stats.authorize++
      await gates.authorize.pass()
      await sleep(authorizeMs)
      if (login !== SECRETS.login || given !== password) {
        return { kind: 'errors', errors: [{ Code: 1, Text: 'Неверный логин и/или пароль' }] }
      }
      const token = `${SECRETS.tokenMarker}${randomBytes(12).toString('hex')}`
      if (strict) valid.clear()
      valid.add(token)
      issued.add(token)
      return { kind: 'ok', data: { Token: token } }
    },
    async xReport(token, cashbox): Promise<WebkassaResult<XZReportData>> {
      stats.calls++
      await gates.calls.pass()
      await sleep(callMs)
      if (!issued.has(token)) return { kind: 'errors', errors: [{ Code: 3, Text: 'Пользователь не авторизован' }] }
      if (!valid.has(token)) return { kind: 'errors', errors: [{ Code: 2, Text: 'Срок действия сессии истек' }] }
      return { kind: 'ok', data: { CashboxSN: cashbox } as unknown as XZReportData }
    },
    check: unsupported,
    zReport: unsupported,
    cashboxes: unsupported,
    shiftHistory: unsupported,
    checkHistory: unsupported,
    ticketByExternalNumber: unsupported,
    async close() {},
  }
  return {
    client,
    stats,
    /** Every token issued so far expires (code 2 from now on). */
    expireAll() {
      valid.clear()
    },
    /** The account's password changes at Webkassa (ours is then wrong). */
    changePassword(next: string) {
      password = next
    },
    issuedTokens: () => [...issued],
    gates,
  }
}

/** A gate: while held, `pass()` waits until `release()`; `waiting` counts who is held. */
function gate() {
  let held: { promise: Promise<void>; resolve: () => void } | undefined
  let waiting = 0
  return {
    hold() {
      let resolve = () => {}
      const promise = new Promise<void>((done) => {
        resolve = done
      })
      held = { promise, resolve }
    },
    release() {
      held?.resolve()
      held = undefined
    },
    get waiting() {
      return waiting
    },
    async pass() {
      if (!held) return
      waiting++
      await held.promise
      waiting--
    },
  }
}

export type FakeWebkassa = ReturnType<typeof createFakeWebkassa>
