import { type ApiTokenStore, requireApiToken } from '@kokdala/core'
import type { FastifyRequest } from 'fastify'
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
