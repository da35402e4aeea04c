import { type ApiTokenStore, bearerToken, constantTimeEqual, requireApiToken } from '@kokdala/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { PaymentsError } from '../../errors.ts'
import { SOURCE_SCOPE, sourceIdOf } from './service.ts'

/** The seed's X-API-Token: a source's active token, or 401 "Invalid API token". */
export function requireSourceToken(tokens: ApiTokenStore) {
  return requireApiToken(tokens, [SOURCE_SCOPE], { header: 'x-api-token' })
}

/** The source a request authenticated as (after `requireSourceToken`). */
export function sourceOfRequest(request: FastifyRequest): number {
  const id = sourceIdOf(request.apiToken)
  if (id === undefined) throw new PaymentsError('UNAUTHORIZED')
  return id
}

/**
 * The operator's endpoints (`/api/admin/*`): `Authorization: Bearer <PAYMENTS_ADMIN_TOKEN>`, compared in constant
 * time. Without a configured token every admin request is refused — the endpoints are never open by default.
 */
export function requireAdminToken(adminToken: string | undefined) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const given = bearerToken(request.headers.authorization)
    if (!adminToken || given === undefined || !constantTimeEqual(given, adminToken)) {
      throw new PaymentsError('ADMIN_UNAUTHORIZED')
    }
  }
}
