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

export interface RequireApiTokenOptions {
  /**
   * Read the token from this header as it stands (a contract's `X-API-Token`) instead of
   * `Authorization: Bearer …`.
   */
  header?: string
}

/** A token sent alone in a header: one value of visible ASCII, bounded like a Bearer token. */
function plainToken(request: FastifyRequest, header: string): string | undefined {
  const value = request.headers[header]
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) return undefined
  return /^[\x21-\x7E]+$/.test(value) ? value : undefined
}

/**
 * A hook (onRequest or preHandler) that lets a request through only with an active API token holding every one of
 * `scopes`, and puts the token on `request.apiToken`. No or a bad token: 401 UNAUTHORIZED with a Bearer challenge;
 * a good token without a scope: 403 INSUFFICIENT_SCOPE naming the missing scopes (RFC 6750 §3.1).
 */
export function requireApiToken(
  store: ApiTokenStore,
  scopes: readonly string[] = [],
  options: RequireApiTokenOptions = {},
) {
  const header = options.header?.toLowerCase()
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const secret = header === undefined ? bearerToken(request.headers.authorization) : plainToken(request, header)
    const token = secret === undefined ? undefined : await store.verify(secret)
    if (!token) {
      // The Bearer challenge belongs to the Authorization scheme; a contract's own header has none.
      if (header === undefined) {
        reply.header('www-authenticate', secret === undefined ? 'Bearer' : 'Bearer error="invalid_token"')
      }
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
