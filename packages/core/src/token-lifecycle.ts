/**
 * Partners that want a session token on every call (Webkassa, bank APIs): the token is obtained once however many
 * calls wait for it, reused until it expires, and replaced once when the partner refuses it. Each partner's token
 * call costs time and often counts against a limit, so a burst of callers must never log in once each.
 */
import { ConnectorError } from './connector-error.ts'
import type { HttpCall, HttpResult, HttpTarget } from './outbound.ts'

/** Visible ASCII, bounded: what can go into a header, a query or a body as it is. */
const TOKEN_TEXT = /^[\x21-\x7e]{1,8192}$/

/** A token and, when the partner says, the moment (ms since the epoch) it stops being accepted. */
export interface IssuedToken {
  token: string
  expiresAt?: number
}

export interface TokenLifecycleOptions {
  /** Gets a fresh token from the partner (its login call). Only ever one at a time. */
  obtain: () => Promise<IssuedToken | string>
  /** Whether an answer means the token was refused (401, or a partner's own code in a 200 body). */
  isAuthError: (result: HttpResult) => boolean
  /** Puts the token on a call; by default `Authorization: Bearer <token>`. */
  apply?: (request: HttpCall, token: string) => HttpCall
  /** A token is replaced this long before its known expiry, so no call carries one that dies in flight. */
  refreshBeforeMs?: number
  now?: () => number
}

/** An HTTP target whose calls carry a managed token. */
export interface TokenTarget extends HttpTarget {
  /** The current token, obtained first if there is none (single-flight). */
  token(): Promise<string>
  /** Forgets the token, so the next call obtains a new one (after a password change, for instance). */
  invalidate(): void
}

const bearer = (request: HttpCall, token: string): HttpCall => ({
  ...request,
  headers: { ...request.headers, authorization: `Bearer ${token}` },
})

/**
 * Wraps a target so that every call carries a token: obtained once for all concurrent callers, refreshed before a
 * known expiry, and after an auth-error answer refreshed once (for all the callers that saw that same token
 * refused) and the call sent again once. A second refusal is returned as it is: the credentials are wrong, and
 * asking again would only hammer the partner's login.
 */
export function withTokenLifecycle(target: HttpTarget, options: TokenLifecycleOptions): TokenTarget {
  const apply = options.apply ?? bearer
  const now = options.now ?? Date.now
  const refreshBeforeMs = options.refreshBeforeMs ?? 30_000
  /** A token as issued, with the moment to replace it (undefined: when the partner refuses it). */
  let current: (IssuedToken & { refreshAt?: number }) | undefined
  let pending: Promise<IssuedToken> | undefined

  const usable = (issued: typeof current): issued is IssuedToken =>
    issued !== undefined && (issued.refreshAt === undefined || issued.refreshAt > now())

  /**
   * When to replace a token issued now. The margin is at most half the token's life, so a short-lived token is
   * still used; an expiry that is not a number or already past (a partner's clock off, seconds sent for
   * milliseconds) is ignored, and the token is replaced when refused, rather than obtaining one per call.
   */
  function refreshAt(issued: IssuedToken): number | undefined {
    const { expiresAt } = issued
    const life = typeof expiresAt === 'number' ? expiresAt - now() : Number.NaN
    if (!Number.isFinite(life) || life <= 0) return undefined
    return (expiresAt as number) - Math.min(refreshBeforeMs, life / 2)
  }

  function obtain(): Promise<IssuedToken> {
    // Every caller that arrives while a token is on its way waits for that one.
    pending ??= (async () => {
      try {
        const obtained = await options.obtain()
        const issued = typeof obtained === 'string' ? { token: obtained } : obtained
        // A partner's token with CR/LF, NUL, spaces or of another type would fail every call in the transport as a
        // "network" error (tripping the breaker, retried as if the partner were down): it is an answer we cannot
        // use, said once, here.
        if (typeof issued?.token !== 'string' || !TOKEN_TEXT.test(issued.token)) {
          throw new ConnectorError(
            { connector: target.name, operation: 'obtain-token', kind: 'protocol' },
            `${target.name}: the partner issued a token that is not visible ASCII text`,
          )
        }
        current = { ...issued, refreshAt: refreshAt(issued) }
        return current
      } finally {
        pending = undefined
      }
    })()
    return pending
  }

  async function token(): Promise<string> {
    return (usable(current) ? current : await obtain()).token
  }

  /** A new token unless someone already replaced the refused one, in which case that one is used. */
  async function replace(refused: string): Promise<string> {
    if (current && current.token !== refused && usable(current)) return current.token
    if (current?.token === refused) current = undefined
    return (await obtain()).token
  }

  return {
    name: target.name,
    async call(operation, request) {
      const first = await token()
      const result = await target.call(operation, apply(request, first))
      if (!options.isAuthError(result)) return result
      const second = await replace(first)
      return target.call(operation, apply(request, second))
    },
    stats: () => target.stats(),
    breakerState: () => target.breakerState(),
    close: () => target.close(),
    token,
    invalidate() {
      current = undefined
    },
  }
}
