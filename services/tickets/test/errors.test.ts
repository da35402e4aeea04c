import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AppError, toErrorResponse } from '@kokdala/core'
import { TicketsError, ticketErrors } from '../src/errors.ts'

test('TicketsError takes the codes of core and tickets, and a misspelt code fails tsc and throws', () => {
  const seat = new TicketsError('SEAT_NOT_FREE', undefined, { seat_id: 7 })
  const core = new TicketsError('UNAUTHORIZED')
  assert.ok(seat instanceof AppError && core instanceof AppError)
  assert.equal(toErrorResponse(seat, { ...ticketErrors }).status, 419)
  // @ts-expect-error SEAT_NOT_FRE is not a tickets error code: tsc must refuse this line
  assert.throws(() => new TicketsError('SEAT_NOT_FRE'), TypeError)
})
