import type { IncomingHttpHeaders, ServerOptions } from 'node:http'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify'
import { createClientErrorHandler, createFrameworkErrorHandler } from './client-errors.ts'
import type { Database } from './db.ts'
import { AppError, CoreError, coreErrors, type ErrorCatalogue } from './errors.ts'
import { registerHealthRoute } from './health.ts'
import { installMetrics } from './metrics.ts'
import { installLoadShedding, type OverloadOptions } from './overload.ts'
import { lazyRequestLogger } from './request-logger.ts'
import type { SecurityScheme } from './security-schemes.ts'
import { extraFormats, validatorCompilers } from './validation.ts'

/**
 * Connections the kernel queues for a listening service before it accepts them (Node's default is 511). A burst of
 * thousands of clients overflows 511, and a dropped SYN is retried after 1, 3, 7 s: pass this to `listen`.
 * The kernel caps it at net.core.somaxconn.
 */
export const LISTEN_BACKLOG = 4_096

export interface CreateAppOptions {
  service: string
  version: string
  description?: string
  errors?: ErrorCatalogue
  db?: Database
  logLevel?: string
  /** Fastify logs every request by default; that costs throughput, so it is opt-in. */
  logRequests?: boolean
  /** Secrets never reach the logs. */
  redact?: string[]
  /** Load shedding limits (`overload.ts`); the defaults suit one process with a 20-connection pool. */
  overload?: OverloadOptions
  /**
   * Open connections this process keeps; past it Node closes new ones at once. Idle keep-alive connections count,
   * so this bounds sockets and memory while load shedding bounds work. Default 4096: a 2 000-connection flood still
   * gets fast 503s instead of refused connections.
   */
  maxConnections?: number
  /** When set, /metrics requires `Authorization: Bearer <token>`; without one it answers loopback clients only. */
  metricsToken?: string
  /**
   * The ways the service authenticates, by the name routes use in `schema.security` (e.g.
   * `{ basicAuth: basicAuthScheme }`): listed in the OpenAPI document, and a route naming another fails at start-up.
   */
  securitySchemes?: Record<string, SecurityScheme>
  /**
   * The body of every error answer, for contracts with their own error shape (the payment center's
   * `{ success: false, message, error_code }`). Default: `{ error: { code, message, details? } }`.
   */
  errorEnvelope?: ErrorEnvelope
  fastify?: FastifyServerOptions & { http?: ServerOptions }
}

/**
 * Builds a Fastify app with what every Kokdala service shares: structured logs, request ids, the error
 * catalogue mapped to `{ error: { code, message, details? } }` (also for errors the HTTP parser and the router
 * raise), load shedding with fast 503s, `/health`, `/metrics` (loopback or token only) and the OpenAPI docs.
 */
export async function createApp(options: CreateAppOptions) {
  const catalogue: ErrorCatalogue = { ...coreErrors, ...options.errors }
  const envelope = options.errorEnvelope ?? defaultErrorEnvelope
  const sendError = (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorResponse(error, catalogue)
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    app.countError(body.error.code)
    if (error instanceof AppError && error.retryAfterMs !== undefined) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))))
    }
    reply.status(status).send(envelope(body.error, status))
  }
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      redact: ['req.headers.authorization', ...(options.redact ?? [])],
    },
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    // A request's child logger (with its id) is made only when the request writes a line (request-logger.ts).
    childLoggerFactory: lazyRequestLogger,
    requestIdHeader: 'x-request-id',
    schemaController: validatorCompilers(),
    serializerOpts: { ajv: { formats: extraFormats } },
    // Errors raised before routing answer in the same envelope as every other error.
    clientErrorHandler: createClientErrorHandler(catalogue, envelope),
    frameworkErrors: createFrameworkErrorHandler(sendError),
    // Load shedding answers requests that arrive while closing, in our envelope (Fastify's has another shape).
    return503OnClosing: false,
    // Node's request deadline is off in Fastify by default: a client trickling headers or a body would hold a
    // connection for ever. Headers must arrive within 10 s and the whole request within 30 s (408 otherwise).
    requestTimeout: 30_000,
    http: { headersTimeout: 10_000 },
    // Fastify's 72 s idle keep-alive outlives the 60 s idle timeout of common load balancers, so they never reuse
    // a connection we are closing; idle sockets stay bounded by maxConnections.
    keepAliveTimeout: 72_000,
    ...options.fastify,
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.server.maxConnections = options.maxConnections ?? 4096
  const securitySchemes = options.securitySchemes ?? {}
  // A route documented with a scheme the document does not define would be an OpenAPI document that lies.
  app.addHook('onRoute', (route) => {
    for (const requirement of route.schema?.security ?? []) {
      for (const name of Object.keys(requirement)) {
        if (!Object.hasOwn(securitySchemes, name)) {
          throw new Error(
            `${route.method} ${route.url} names the security scheme ${name}, which createApp was not given`,
          )
        }
      }
    }
  })
  // The first onRequest hook: a refused request costs nothing past it.
  const shedding = installLoadShedding(app, {
    db: options.db,
    limits: options.overload,
    errorBody: (code) => {
      const { status, body } = toErrorResponse(new AppError(code), catalogue)
      return JSON.stringify(envelope(body.error, status))
    },
  })
  // Before any route is added: each route records its own metrics (see installMetrics).
  const metrics = installMetrics(app, options.service, {
    poolStats: options.db ? () => options.db!.poolStats() : undefined,
    inFlight: shedding.inFlight,
    token: options.metricsToken,
  })

  // Clients (the HackLoad k6 scripts among them) send `Content-Type: application/json` with an empty body on
  // body-less calls such as POST /api/reset; treat that as no body, and let schemas reject it where one is needed.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined)
    if (hasNul(body as string)) return done(nulError(), undefined)
    if (hasLoneSurrogate(body as string)) return done(surrogateError(), undefined)
    if (nestedTooDeep(body as string)) return done(depthError(), undefined)
    parseJson(request, body as string, done)
  })
  // A NUL byte in a query string can only be an attack or a bug; PostgreSQL text cannot hold one.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.url.includes('%00')) return done(nulError())
    if (hasEncodedBody(request.headers)) {
      // RFC 9110 §15.5.16: a 415 for a content coding names the codings the server takes.
      reply.header('accept-encoding', 'identity')
      return done(new CoreError('UNSUPPORTED_MEDIA_TYPE', ENCODED_BODY_MESSAGE))
    }
    done()
  })

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => sendError(error, request, reply))
  app.setNotFoundHandler((request, reply) => {
    app.countError('NOT_FOUND')
    reply.status(404)
    metrics.recordUnmatched(request, reply)
    reply.send(envelope({ code: 'NOT_FOUND', message: `No route ${request.method} ${request.url}` }, 404))
  })

  // Per-route request limits (`config: { rateLimit: { max, timeWindow, keyGenerator } }`); none apply unless a
  // route asks. An exceeded limit is our RATE_LIMITED error with Retry-After, like every other refusal.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new CoreError('RATE_LIMITED', `Too many requests; retry in ${context.after}`, { retry_after_ms: context.ttl }),
  })

  // Modules register their own metrics (outbound calls, queues) on the registry /metrics already serves.
  app.decorate('metricsRegistry', metrics.registry)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.service, version: options.version, description: options.description },
      components: { securitySchemes },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  registerHealthRoute(app, options.db)
  return app
}

/**
 * Makes `application/json` bodies in the calling plugin's scope keep their exact bytes on `request.rawBody`, for
 * routes that verify a signature over them (webhooks): re-serialising the parsed JSON would not give the same
 * bytes. Call it inside an encapsulated plugin so other routes do not hold on to a second copy of every body.
 * Parsing matches the app's: an empty body is no body, invalid JSON is a 400.
 */
export function keepRawJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer
    request.rawBody = raw
    const text = raw.toString('utf8')
    if (text.trim() === '') return done(null, undefined)
    if (hasNul(text)) return done(nulError(), undefined)
    if (hasLoneSurrogate(text)) return done(surrogateError(), undefined)
    if (nestedTooDeep(text)) return done(depthError(), undefined)
    parseJson(request, text, done)
  })
}

const ENCODED_BODY_MESSAGE =
  'Request bodies with a Content-Encoding (gzip, deflate, br…) are not taken: send the body uncompressed'

/**
 * A request with a body in a content coding other than `identity`. No service decodes one (bodies are small JSON,
 * and a compressed one would need its own limit on the decoded size, against zip bombs), and without this the
 * parser would read the compressed bytes as text: a misleading 400, or a body taken as plain whatever its coding
 * says. A body-less request's header is ignored.
 */
function hasEncodedBody(headers: IncomingHttpHeaders): boolean {
  const coding = headers['content-encoding']
  if (coding === undefined) return false
  const hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0'
  return hasBody && coding.split(',').some((c) => c.trim() !== '' && c.trim().toLowerCase() !== 'identity')
}

/** JSON text that holds a NUL character, raw or escaped (`\u0000`): PostgreSQL text cannot store one. */
function hasNul(text: string): boolean {
  return text.includes('\0') || /\\u0000/i.test(text)
}

function nulError(): AppError {
  return new CoreError('VALIDATION_FAILED', 'NUL characters are not allowed')
}

/**
 * JSON text with an escaped lone UTF-16 surrogate (`"\\ud800"` with no low half after it, or a low half alone).
 * JSON.parse accepts it, but it is no Unicode text: PostgreSQL's jsonb refuses the escape (a 500 on every route that
 * stores JSON as given, such as a payment's metadata) and text columns silently get U+FFFD instead. Raw lone
 * surrogates cannot reach here: the body was decoded from UTF-8, which has none.
 */
function hasLoneSurrogate(text: string): boolean {
  if (!/\\u[dD][89a-fA-F]/.test(text)) return false // the common case: no surrogate escape at all
  const hexAt = (i: number) =>
    /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4)) ? Number.parseInt(text.slice(i, i + 4), 16) : -1
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x5c) continue
    if (text[i + 1] !== 'u') {
      i++ // `\\` or another escape: the next character is not the start of one
      continue
    }
    const unit = hexAt(i + 2)
    if (unit >= 0xdc00 && unit <= 0xdfff) return true // a low half with no high half before it
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = text[i + 6] === '\\' && text[i + 7] === 'u' ? hexAt(i + 8) : -1
      if (low < 0xdc00 || low > 0xdfff) return true
      i += 11 // past both halves
    } else i += 5
  }
  return false
}

function surrogateError(): AppError {
  return new CoreError('VALIDATION_FAILED', 'Unpaired UTF-16 surrogates (\\ud800…\\udfff) are not text')
}

/** Deeper than any request of ours needs; a few kilobytes of `[[[…` nested 100 000 deep overflow every recursive walk. */
export const MAX_JSON_DEPTH = 64

/**
 * Whether arrays and objects nest deeper than MAX_JSON_DEPTH, by one pass over the text (brackets inside strings
 * do not count). JSON.parse itself copes, but everything that walks the value afterwards — schema validation,
 * fingerprints, the serialiser of an answer that echoes it — recurses, and overflowed the stack into a 500.
 */
function nestedTooDeep(text: string): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // a backslash escapes the next character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

function depthError(): AppError {
  return new CoreError('VALIDATION_FAILED', `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`, {
    max_depth: MAX_JSON_DEPTH,
  })
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body's exact bytes, where `keepRawJsonBody` is in force. */
    rawBody?: Buffer
  }
}

/** What an error answer says, before a contract's envelope shapes it. */
export interface ErrorContent {
  code: string
  message: string
  details?: unknown
}

interface ErrorBody {
  error: ErrorContent
}

/** Shapes an error answer's body from its content and HTTP status (`CreateAppOptions.errorEnvelope`). */
export type ErrorEnvelope = (error: ErrorContent, status: number) => unknown

/** Kokdala's own error body: `{ error: { code, message, details? } }`. */
export const defaultErrorEnvelope: ErrorEnvelope = (error) => ({ error })

/** Maps any thrown error to a status and the JSON error body; 5xx never leak internals. */
export function toErrorResponse(error: unknown, catalogue: ErrorCatalogue): { status: number; body: ErrorBody } {
  if (error instanceof AppError) {
    const definition = catalogue[error.code] ?? coreErrors.INTERNAL
    // A 5xx says only what the catalogue says: its reason and details are for the log, not for the client.
    if (definition.status >= 500) {
      return { status: definition.status, body: { error: { code: error.code, message: definition.message } } }
    }
    const message = error.explicitMessage ?? definition.message
    return { status: definition.status, body: { error: { code: error.code, message, details: error.details } } }
  }
  const fastifyError = error as FastifyError
  if (fastifyError.validation) {
    const details = fastifyError.validation.map((v) => ({
      path: v.instancePath || v.params?.missingProperty,
      message: v.message,
    }))
    return { status: 400, body: { error: { code: 'VALIDATION_FAILED', message: fastifyError.message, details } } }
  }
  const status = fastifyError.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const code =
      status === 413
        ? 'PAYLOAD_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status === 404
            ? 'NOT_FOUND'
            : 'VALIDATION_FAILED'
    return { status, body: { error: { code, message: fastifyError.message } } }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: coreErrors.INTERNAL.message } } }
}
