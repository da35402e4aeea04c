import { type ApiToken, type ApiTokenStore, type Clock, isActiveApiToken } from '@kokdala/core'
import { PaymentsError } from '../../errors.ts'
import type { SourceRepository, SourceRow } from './repository.ts'

/** The scope every source token carries: it may create, cancel and refund its own payments. */
export const SOURCE_SCOPE = 'payments'
const SUBJECT = 'source:'
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

export interface SourceView {
  id: number
  name: string
  createdAt: Date
  tokens: Array<{ id: number; displayPrefix: string; active: boolean; createdAt: Date; lastUsedAt: Date | null }>
}

export interface IssuedToken {
  source: SourceRow
  /** The secret: shown once, stored nowhere. */
  token: string
  apiToken: ApiToken
}

/** The source id a token acts for, from its subject ('source:12'); undefined for any other token. */
export function sourceIdOf(token: ApiToken | undefined): number | undefined {
  if (!token?.subject.startsWith(SUBJECT)) return undefined
  const id = Number(token.subject.slice(SUBJECT.length))
  return Number.isSafeInteger(id) && id > 0 ? id : undefined
}

/**
 * Sources and their X-API-Tokens: 64-character tokens from core's token store (stored as a hash), several per
 * source so a rotation can overlap; revoked at once in this process, within the store's cache time elsewhere.
 */
export function createSourceService({
  sources,
  tokens,
  clock,
}: {
  sources: SourceRepository
  tokens: ApiTokenStore
  clock: Clock
}) {
  async function named(name: string): Promise<SourceRow> {
    if (!NAME.test(name)) throw new PaymentsError('SOURCE_NAME_INVALID')
    const source = await sources.byName(name)
    if (!source) throw new PaymentsError('SOURCE_NOT_FOUND', undefined, { source: name })
    return source
  }

  async function issue(source: SourceRow): Promise<IssuedToken> {
    const { token, apiToken } = await tokens.create({
      name: source.name,
      subject: `${SUBJECT}${source.id}`,
      scopes: [SOURCE_SCOPE],
    })
    return { source, token, apiToken }
  }

  async function activeTokens(source: SourceRow): Promise<ApiToken[]> {
    const now = clock.now()
    const all = await tokens.list({ subject: `${SUBJECT}${source.id}`, limit: 1_000 })
    return all.filter((token) => isActiveApiToken(token, now))
  }

  return {
    /** A new token for the source, creating the source on first use. */
    async createToken(name: string): Promise<IssuedToken> {
      if (!NAME.test(name)) throw new PaymentsError('SOURCE_NAME_INVALID')
      const source = (await sources.insert(name, clock.now())) ?? (await named(name))
      return issue(source)
    },

    /** A new token, then every older active token of the source revoked. */
    async rotate(name: string): Promise<IssuedToken & { revoked: number }> {
      const source = await named(name)
      const older = await activeTokens(source)
      const issued = await issue(source)
      for (const token of older) await tokens.revoke(token.id)
      return { ...issued, revoked: older.length }
    },

    /** Revokes every active token of the source; returns how many. */
    async revoke(name: string): Promise<number> {
      const source = await named(name)
      const active = await activeTokens(source)
      for (const token of active) await tokens.revoke(token.id)
      return active.length
    },

    /** Every source with its tokens (never their secrets). */
    async list(): Promise<SourceView[]> {
      const now = clock.now()
      const all = await sources.list()
      return Promise.all(
        all.map(async (source) => ({
          ...source,
          tokens: (await tokens.list({ subject: `${SUBJECT}${source.id}`, limit: 1_000 })).map((token) => ({
            id: token.id,
            displayPrefix: token.displayPrefix,
            active: isActiveApiToken(token, now),
            createdAt: token.createdAt,
            lastUsedAt: token.lastUsedAt,
          })),
        })),
      )
    },

    /** Whether a source of this name exists (the demo seed creates one once). */
    async exists(name: string): Promise<boolean> {
      return (await sources.byName(name)) !== undefined
    },
  }
}

export type SourceService = ReturnType<typeof createSourceService>
