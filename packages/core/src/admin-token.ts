import type { FastifyReply, FastifyRequest } from 'fastify'
import { bearerToken } from './api-tokens/guard.ts'
import { constantTimeEqual } from './auth.ts'
import { AppError } from './errors.ts'

/** The OpenAPI security scheme of a service's admin API, naming the variable that holds its token. */
export function adminTokenScheme(variable: string) {
  return { type: 'http', scheme: 'bearer', description: `The admin token: ${variable}` } as const
}

/**
 * The `onRequest` hook of every admin route plugin: `Authorization: Bearer <admin token>`, compared in constant
 * time. Without a configured token the admin API is off (403 `ADMIN_API_DISABLED`), never open; a wrong or missing
 * bearer is 401 `ADMIN_UNAUTHORIZED`. Services word both codes in their own catalogues.
 */
export function requireAdminToken(adminToken: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (adminToken === undefined) throw new AppError('ADMIN_API_DISABLED')
    const token = bearerToken(request.headers.authorization)
    if (token === undefined || !constantTimeEqual(token, adminToken)) {
      reply.header('www-authenticate', 'Bearer')
      throw new AppError('ADMIN_UNAUTHORIZED')
    }
  }
}
