import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { type Clock, systemClock } from '../clock.ts'
import { CoreError } from '../errors.ts'
import { errorResponses } from '../schemas.ts'
import {
  ApiTokenList,
  ApiTokenParams,
  ApiTokenView,
  CreateApiTokenBody,
  CreatedApiToken,
  ListApiTokensQuery,
} from './schemas.ts'
import { type ApiToken, type ApiTokenStore, isActiveApiToken } from './store.ts'

export interface ApiTokenAdminRoutesOptions {
  store: ApiTokenStore
  /**
   * Who may manage tokens: an onRequest hook that throws for anyone else, e.g.
   * `requireApiToken(store, ['api-tokens:admin'])` or the service's operator login. Required, so the routes are
   * never registered open by mistake.
   */
  authorize: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  /** Names the scheme `authorize` checks in the OpenAPI document (one of the app's `securitySchemes`). */
  securityScheme?: string
  clock?: Clock
}

function view(token: ApiToken, now: Date) {
  return {
    id: token.id,
    name: token.name,
    subject: token.subject,
    scopes: token.scopes,
    display_prefix: token.displayPrefix,
    active: isActiveApiToken(token, now),
    created_at: token.createdAt.toISOString(),
    expires_at: token.expiresAt?.toISOString() ?? null,
    revoked_at: token.revokedAt?.toISOString() ?? null,
    last_used_at: token.lastUsedAt?.toISOString() ?? null,
  }
}

/** Create, list and revoke API tokens: `POST /api-tokens`, `GET /api-tokens`, `POST /api-tokens/{id}/revoke`. */
export const apiTokenAdminRoutes: FastifyPluginAsyncTypebox<ApiTokenAdminRoutesOptions> = async (app, options) => {
  const { store } = options
  const clock = options.clock ?? systemClock
  const security = [{ [options.securityScheme ?? 'apiToken']: [] }]
  app.addHook('onRequest', options.authorize)

  app.post(
    '/api-tokens',
    {
      schema: {
        summary: 'Create an API token; its secret is in this answer only',
        tags: ['api-tokens'],
        security,
        body: CreateApiTokenBody,
        response: { 201: CreatedApiToken, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const now = clock.now()
      const expiresAt = request.body.expires_at ? new Date(request.body.expires_at) : null
      // The date-time format lets through what Date cannot hold (a leap second, '23:59:60'): refused, not a 500.
      if (expiresAt && Number.isNaN(expiresAt.getTime())) {
        throw new CoreError('VALIDATION_FAILED', 'expires_at is not a moment in time')
      }
      if (expiresAt && expiresAt.getTime() <= now.getTime()) {
        throw new CoreError('VALIDATION_FAILED', 'expires_at must be in the future')
      }
      const { token, apiToken } = await store.create({ ...request.body, expiresAt })
      reply.status(201).header('cache-control', 'no-store')
      return { ...view(apiToken, now), token }
    },
  )

  app.get(
    '/api-tokens',
    {
      schema: {
        summary: 'List API tokens (never their secrets)',
        tags: ['api-tokens'],
        security,
        querystring: ListApiTokensQuery,
        response: { 200: ApiTokenList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { subject, after_id: afterId, limit } = request.query
      const tokens = await store.list({ subject, afterId, limit })
      const now = clock.now()
      return { tokens: tokens.map((token) => view(token, now)) }
    },
  )

  app.post(
    '/api-tokens/:id/revoke',
    {
      schema: {
        summary: 'Revoke an API token',
        tags: ['api-tokens'],
        security,
        params: ApiTokenParams,
        response: { 200: ApiTokenView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => view(await store.revoke(request.params.id), clock.now()),
  )
}
