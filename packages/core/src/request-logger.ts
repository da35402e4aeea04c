import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'

type Bindings = Record<string, unknown>
type ChildOptions = { level?: string } & Record<string, unknown>
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type LogArgs = [unknown, ...unknown[]]

/**
 * The logger of one request. Fastify makes a pino child holding the request id for every request (a few percent
 * of a cached page's whole cost), while with request logging off almost no request ever writes a line. This
 * stands in for that child and makes it when the request first logs at a level that is enabled: the lines written
 * are the same, a request that writes none costs one small object.
 */
class RequestLogger {
  readonly #parent: FastifyBaseLogger
  readonly #bindings: Bindings
  #child: FastifyBaseLogger | undefined

  constructor(parent: FastifyBaseLogger, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  #logger(): FastifyBaseLogger {
    if (this.#child === undefined) this.#child = this.#parent.child(this.#bindings)
    return this.#child
  }

  #write(level: Level, args: LogArgs): void {
    if (this.#child === undefined && !isLevelEnabled(this.#parent, level)) return
    ;(this.#logger()[level] as (...args: LogArgs) => void)(...args)
  }

  get level(): string {
    return (this.#child ?? this.#parent).level
  }
  set level(level: string) {
    this.#logger().level = level
  }
  fatal(...args: LogArgs) {
    this.#write('fatal', args)
  }
  error(...args: LogArgs) {
    this.#write('error', args)
  }
  warn(...args: LogArgs) {
    this.#write('warn', args)
  }
  info(...args: LogArgs) {
    this.#write('info', args)
  }
  debug(...args: LogArgs) {
    this.#write('debug', args)
  }
  trace(...args: LogArgs) {
    this.#write('trace', args)
  }
  silent() {}
  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options)
  }
}

/** pino's own check where the logger has one; any other logger is asked to write and decides itself. */
function isLevelEnabled(logger: FastifyBaseLogger, level: Level): boolean {
  const check = (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled
  return check === undefined || check.call(logger, level)
}

/**
 * Fastify's `childLoggerFactory`: a lazily made child for requests of routes without a log level or serializers
 * of their own (every route today), pino's child at once for the others.
 */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => {
  for (const _ in options) return logger.child(bindings, options)
  return new RequestLogger(logger, bindings) as unknown as FastifyBaseLogger
}
