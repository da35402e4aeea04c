import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AppError, CoreError, coreErrors, errorClass } from '../src/errors.ts'
import { createApp } from '../src/http.ts'

const catalogue = { ...coreErrors, SEAT_NOT_FREE: { status: 419, message: 'The seat is not free' } } as const
const DemoError = errorClass(catalogue, 'DemoError')

test('a catalogue’s error class is an AppError that takes only the catalogue’s codes', () => {
  const error = new DemoError('SEAT_NOT_FREE', 'Seat 7 was just taken', { seat_id: 7 }, { retryAfterMs: 1_000 })
  assert.ok(error instanceof AppError && error instanceof DemoError)
  assert.deepEqual(
    [error.name, error.code, error.message, error.details, error.retryAfterMs],
    ['DemoError', 'SEAT_NOT_FREE', 'Seat 7 was just taken', { seat_id: 7 }, 1_000],
  )
  assert.equal(DemoError.catalogue, catalogue)
  // @ts-expect-error a code outside the catalogue does not compile
  assert.throws(() => new DemoError('SEAT_NOT_FRE'), /SEAT_NOT_FRE is not in the catalogue/)
  // A code computed at run time is checked at run time.
  const computed: string = 'toString'
  assert.throws(() => new DemoError(computed as 'SEAT_NOT_FREE'), TypeError, 'inherited properties are not codes')
  assert.throws(
    () => new CoreError('SEAT_NOT_FREE' as string as 'NOT_FOUND'),
    TypeError,
    'core’s class knows only core’s codes',
  )
})

test('is() tells an error of one code from others', () => {
  assert.ok(DemoError.is(new DemoError('SEAT_NOT_FREE'), 'SEAT_NOT_FREE'))
  assert.ok(DemoError.is(new AppError('SEAT_NOT_FREE'), 'SEAT_NOT_FREE'), 'any AppError with the code')
  assert.ok(!DemoError.is(new DemoError('NOT_FOUND'), 'SEAT_NOT_FREE'))
  assert.ok(!DemoError.is(new Error('SEAT_NOT_FREE'), 'SEAT_NOT_FREE'))
  // @ts-expect-error a misspelt code does not compile here either
  assert.ok(!DemoError.is(new DemoError('NOT_FOUND'), 'NOT_FOUNT'))
})

test('the app answers a catalogue error with its status and body', async (t) => {
  const app = await createApp({ service: 'demo', version: '0', logLevel: 'silent', errors: catalogue })
  t.after(() => app.close())
  app.get('/seat', async () => {
    throw new DemoError('SEAT_NOT_FREE', undefined, { seat_id: 7 })
  })
  const response = await app.inject({ method: 'GET', url: '/seat' })
  assert.equal(response.statusCode, 419)
  assert.deepEqual(response.json(), {
    error: { code: 'SEAT_NOT_FREE', message: 'The seat is not free', details: { seat_id: 7 } },
  })
})
