import { AppError } from '@kokdala/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { UserService } from './service.ts'

declare module 'fastify' {
  interface FastifyRequest {
    userId: number
  }
}

/**
 * An onRequest hook that authenticates the caller and puts the user id on the request. A 401 invites Basic
 * credentials; a 429 carries Retry-After (the error handler sets it from the error).
 */
export function requireUser(userService: UserService) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      request.userId = await userService.authenticate(request.headers.authorization, request.ip)
    } catch (error) {
      if (error instanceof AppError && error.code === 'UNAUTHORIZED') {
        reply.header('www-authenticate', 'Basic realm="biletter", charset="UTF-8"')
      }
      throw error
    }
  }
}

/**
 * A route's `config` for a limit of `perMinute` requests per authenticated user (a fixed one-minute window, kept in
 * this process), or undefined when `perMinute` is 0 (no limit). It counts at preValidation: after requireUser
 * (onRequest) has named the user, and before the body is validated, so invalid requests count too. An exceeded
 * limit is 429 RATE_LIMITED with Retry-After.
 */
export function perUserRateLimit(perMinute: number) {
  if (perMinute <= 0) return undefined
  return {
    rateLimit: {
      max: perMinute,
      timeWindow: 60_000,
      hook: 'preValidation' as const,
      keyGenerator: (request: FastifyRequest) => String(request.userId),
    },
  }
}
