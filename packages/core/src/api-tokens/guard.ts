import type { FastifyReply, FastifyRequest } from 'fastify'
import { CoreError } from '../errors.ts'
import type { ApiToken, ApiTokenStore } from './store.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The API token that authenticated the request, where `requireApiToken` guards the route. */
    apiToken?: ApiToken
  }
}

// RFC 6750: `Bearer` (any case) and one token; ours are 46 characters, so anything long is not one of them.
const BEARER_HEADER = /^bearer +([A-Za-z0-9._~+/-]{1,200}=*)$/i

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string' || header.length > 256) return undefined
  return BEARER_HEADER.exec(header)?.[1]
}

/**
 * A hook (onRequest or preHandler) that lets a request through only with an active API token holding every one of
 * `scopes`, and puts the token on `request.apiToken`. No or a bad token: 401 UNAUTHORIZED with a Bearer challenge;
 * a good token without a scope: 403 INSUFFICIENT_SCOPE naming the missing scopes (RFC 6750 §3.1).
 */
export function requireApiToken(store: ApiTokenStore, scopes: readonly string[] = []) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const secret = bearerToken(request.headers.authorization)
    const token = secret === undefined ? undefined : await store.verify(secret)
    if (!token) {
      reply.header('www-authenticate', secret === undefined ? 'Bearer' : 'Bearer error="invalid_token"')
      throw new CoreError('UNAUTHORIZED')
    }
    const missing = scopes.filter((scope) => !token.scopes.includes(scope))
    if (missing.length > 0) {
      reply.header('www-authenticate', `Bearer error="insufficient_scope", scope="${scopes.join(' ')}"`)
      throw new CoreError('INSUFFICIENT_SCOPE', undefined, { required: scopes, missing })
    }
    request.apiToken = token
  }
}
