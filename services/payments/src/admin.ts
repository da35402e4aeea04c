import { bearerToken, constantTimeEqual } from '@kokdala/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { PaymentsError } from './errors.ts'

/** The OpenAPI security scheme of the admin API (`createApp({ securitySchemes })`). */
export const adminTokenScheme = {
  type: 'http',
  scheme: 'bearer',
  description: 'The admin token: PAYMENTS_ADMIN_TOKEN',
} as const

/**
 * The `onRequest` hook of every admin route plugin: `Authorization: Bearer <PAYMENTS_ADMIN_TOKEN>`, compared in
 * constant time. Without a configured token the admin API is off (403), never open.
 */
export function requireAdminToken(adminToken: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (adminToken === undefined) throw new PaymentsError('ADMIN_API_DISABLED')
    const token = bearerToken(request.headers.authorization)
    if (token === undefined || !constantTimeEqual(token, adminToken)) {
      reply.header('www-authenticate', 'Bearer')
      throw new PaymentsError('ADMIN_UNAUTHORIZED')
    }
  }
}
