import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '@kokdala/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { FiscalError } from '../../errors.ts'
import { RefreshResponse, TokenStatusJson } from './schemas.ts'
import type { TokenService, TokenStatus } from './service.ts'

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null

function statusJson(status: TokenStatus, nextScheduled: Date | null): Static<typeof TokenStatusJson> {
  return {
    account: status.account,
    configured: status.configured,
    has_token: status.hasToken,
    generation: status.generation,
    fingerprint: status.fingerprint,
    key_version: status.keyVersion,
    obtained_at: iso(status.obtainedAt),
    age_seconds: status.ageSeconds,
    last_refresh_reason: status.lastRefreshReason,
    refreshing: status.refreshing,
    last_error: status.lastError && { ...status.lastError, at: status.lastError.at.toISOString() },
    blocked: status.blocked,
    blocked_until: iso(status.blockedUntil),
    next_scheduled_refresh_at: iso(nextScheduled),
    history: status.history.map((row) => ({
      generation: row.generation,
      fingerprint: row.fingerprint,
      reason: row.reason,
      obtained_by: row.obtainedBy,
      created_at: row.createdAt.toISOString(),
      last_used_at: iso(row.lastUsedAt),
      replaced_at: iso(row.replacedAt),
    })),
  }
}

export interface TokenRoutesOptions {
  tokens: TokenService
  /** When the in-service schedule runs next (null when it is off). */
  nextScheduledRefresh: () => Date | null
  authorize: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

/** The token's admin API: its state, and a refresh through the single-flight path. Never the token itself. */
export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRoutesOptions> = async (
  app,
  { tokens, nextScheduledRefresh, authorize },
) => {
  app.addHook('onRequest', authorize)
  const common = { tags: ['Admin: Webkassa token'], security: [{ adminToken: [] }] }

  app.get(
    '/api/token/status',
    {
      schema: {
        ...common,
        operationId: 'GetTokenStatus',
        summary: 'The Webkassa session token: age, generation, fingerprint, last refresh and error, blocked state',
        response: { 200: TokenStatusJson, ...errorResponses(401, 403) },
      },
    },
    async () => statusJson(await tokens.status(), nextScheduledRefresh()),
  )

  app.post(
    '/api/token/refresh',
    {
      schema: {
        ...common,
        operationId: 'RefreshToken',
        summary: 'Log in to Webkassa again now (single-flight across every process); tries even when blocked',
        response: { 200: RefreshResponse, ...errorResponses(401, 403, 409, 502, 503) },
      },
    },
    async () => {
      const outcome = await tokens.refreshNow('manual')
      if (outcome.kind === 'failed') {
        const { failure } = outcome
        const details =
          failure.kind === 'errors' ? { codes: failure.errors.map((error) => error.Code) } : { outcome: failure.reason }
        const refused = failure.kind === 'errors' && failure.errors.some((error) => error.Code === 1)
        throw new FiscalError(refused ? 'WEBKASSA_AUTH_BLOCKED' : 'WEBKASSA_AUTH_FAILED', undefined, details)
      }
      return { refreshed: true as const, status: statusJson(await tokens.status(), nextScheduledRefresh()) }
    },
  )
}
