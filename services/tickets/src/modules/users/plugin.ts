import type { FastifyReply, FastifyRequest } from 'fastify'
import type { UserService } from './service.ts'

declare module 'fastify' {
  interface FastifyRequest {
    userId: number
  }
}

/** An onRequest hook that authenticates the caller and puts the user id on the request. */
export function requireUser(userService: UserService) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      request.userId = await userService.authenticate(request.headers.authorization)
    } catch (error) {
      reply.header('www-authenticate', 'Basic realm="biletter", charset="UTF-8"')
      throw error
    }
  }
}
