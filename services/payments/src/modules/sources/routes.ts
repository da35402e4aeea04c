import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { seedErrorResponses } from '../../envelope.ts'
import {
  CreateTokenBody,
  IssuedTokenResponse,
  RevokedResponse,
  RotatedTokenResponse,
  SourceListResponse,
  SourceParams,
} from './schemas.ts'
import type { IssuedToken, SourceService } from './service.ts'

export interface SourceRoutesOptions {
  sources: SourceService
  authorize: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

function issued({ source, token, apiToken }: IssuedToken) {
  return { source: source.name, token_id: apiToken.id, token, display_prefix: apiToken.displayPrefix }
}

/**
 * `/api/admin/sources*` — the operator's token management. No Idempotency-Key here on purpose: a stored answer
 * would keep the token's secret in the database, which holds only its hash.
 */
export const sourceRoutes: FastifyPluginAsyncTypebox<SourceRoutesOptions> = async (app, { sources, authorize }) => {
  app.addHook('onRequest', authorize)
  const security = [{ adminToken: [] }]
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store')

  app.post(
    '/api/admin/sources/tokens',
    {
      schema: {
        operationId: 'CreateSourceToken',
        tags: ['Admin'],
        summary: 'Создать токен источника (создает источник при первом токене)',
        security,
        body: CreateTokenBody,
        response: { 201: IssuedTokenResponse, ...seedErrorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const created = await sources.createToken(request.body.source)
      noStore(reply).status(201)
      return { success: true as const, message: 'Токен создан', data: issued(created) }
    },
  )

  app.get(
    '/api/admin/sources',
    {
      schema: {
        operationId: 'ListSources',
        tags: ['Admin'],
        summary: 'Источники и их токены (без секретов)',
        security,
        response: { 200: SourceListResponse, ...seedErrorResponses(401) },
      },
    },
    async () => ({
      success: true as const,
      data: (await sources.list()).map((source) => ({
        id: source.id,
        name: source.name,
        created_at: source.createdAt.toISOString(),
        tokens: source.tokens.map((token) => ({
          id: token.id,
          display_prefix: token.displayPrefix,
          active: token.active,
          created_at: token.createdAt.toISOString(),
          last_used_at: token.lastUsedAt?.toISOString() ?? null,
        })),
      })),
    }),
  )

  app.post(
    '/api/admin/sources/:name/rotate',
    {
      schema: {
        operationId: 'RotateSourceToken',
        tags: ['Admin'],
        summary: 'Выпустить новый токен и отозвать прежние',
        security,
        params: SourceParams,
        response: { 200: RotatedTokenResponse, ...seedErrorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const rotated = await sources.rotate(request.params.name)
      noStore(reply)
      return {
        success: true as const,
        message: 'Токен заменен',
        data: { ...issued(rotated), revoked: rotated.revoked },
      }
    },
  )

  app.post(
    '/api/admin/sources/:name/revoke',
    {
      schema: {
        operationId: 'RevokeSourceTokens',
        tags: ['Admin'],
        summary: 'Отозвать все токены источника',
        security,
        params: SourceParams,
        response: { 200: RevokedResponse, ...seedErrorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const revoked = await sources.revoke(request.params.name)
      return { success: true as const, message: 'Токены отозваны', data: { source: request.params.name, revoked } }
    },
  )
}
