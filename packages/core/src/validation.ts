import { AjvCompiler } from '@fastify/ajv-compiler'
import type { FastifyServerOptions } from 'fastify'

/** Formats that contracts use beyond JSON Schema's own, such as money as a decimal string. */
export const extraFormats = { decimal: /^-?\d+(\.\d+)?$/ }

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * A calendar date `YYYY-MM-DD` that PostgreSQL accepts: ajv's own `date` format lets year 0 through, which the
 * database then refuses with an error (a 500) instead of the client getting a 400.
 */
function isValidDate(text: string): boolean {
  const match = ISO_DATE.exec(text)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (year < 1 || month < 1 || month > 12 || day < 1) return false
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() // 2000 is a leap year: February has 29
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  return day <= (month === 2 && !leap ? 28 : daysInMonth)
}

type ValidateFunction = ((data: unknown) => boolean) & { errors?: unknown }

/**
 * Ajv coerces the text `Infinity` to a number and then skips its range checks for non-finite numbers, so
 * `?id=Infinity` would pass `maximum`. Query strings, parameters and headers are flat objects: a non-finite value
 * in one of their number properties is refused here. Schemas without number properties keep ajv's function as is.
 */
function finiteOnly<F extends ValidateFunction>(validate: F, schema: unknown): F {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {}
  const numeric = Object.keys(properties).filter((key) => ['integer', 'number'].includes(String(properties[key].type)))
  if (numeric.length === 0) return validate
  const checked: ValidateFunction = (data) => {
    if (!validate(data)) {
      checked.errors = validate.errors
      return false
    }
    const values = (data ?? {}) as Record<string, unknown>
    for (const key of numeric) {
      const value = values[key]
      if (typeof value === 'number' && !Number.isFinite(value)) {
        checked.errors = [{ instancePath: `/${key}`, keyword: 'type', params: {}, message: 'must be a finite number' }]
        return false
      }
    }
    return true
  }
  return checked as F
}

const baseOptions = { removeAdditional: false, formats: extraFormats }

/**
 * Schema validation with two rule sets: query strings, path parameters and headers arrive as text, so their values
 * are coerced to the schema's types (`?page=2` is the integer 2); JSON bodies carry types of their own and are
 * taken as they are, so `{"event_id": true}` or `{"event_id": "0x10"}` is a 400, never a booking for event 1 or 16.
 */
export function validatorCompilers(): NonNullable<FastifyServerOptions['schemaController']> {
  const pool = AjvCompiler()
  const onCreate = (ajv: { addFormat(name: string, format: (text: string) => boolean): unknown }) => {
    ajv.addFormat('date', isValidDate)
  }
  return {
    compilersFactory: {
      buildValidator(externalSchemas) {
        const coercing = pool(externalSchemas, { customOptions: { ...baseOptions, coerceTypes: 'array' }, onCreate })
        const strict = pool(externalSchemas, { customOptions: { ...baseOptions, coerceTypes: false }, onCreate })
        return (route) => (route.httpPart === 'body' ? strict(route) : finiteOnly(coercing(route), route.schema))
      },
    },
  }
}
