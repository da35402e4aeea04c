import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { AppError } from '@kokdala/core'
import { bookingStates } from '../src/modules/bookings/state.ts'
import { paymentStates } from '../src/modules/payments/state.ts'
import { seatStates } from '../src/modules/seats/state.ts'

const design = readFileSync(new URL('../../../docs/design/tickets.md', import.meta.url), 'utf8')

/** The `from --> to` edges of every mermaid stateDiagram in the design document, start and end markers left out. */
function diagrams(): Array<Set<string>> {
  const blocks = [...design.matchAll(/```mermaid\nstateDiagram-v2\n([\s\S]*?)```/g)].map((match) => match[1])
  return blocks.map((block) => {
    const edges = new Set<string>()
    for (const line of block.split('\n')) {
      const edge = /^\s*(\S+)\s*-->\s*([^:\s]+)/.exec(line)
      if (edge && edge[1] !== '[*]' && edge[2] !== '[*]') edges.add(`${edge[1]} --> ${edge[2]}`)
    }
    return edges
  })
}

/** The diagram whose states include `marker` (each machine has a state no other one has). */
function diagramWith(marker: string): Set<string> {
  const found = diagrams().filter((edges) => [...edges].some((edge) => edge.split(' --> ').includes(marker)))
  assert.equal(found.length, 1, `exactly one diagram has the state ${marker}`)
  return found[0]
}

function tableEdges(machine: { moves(): readonly { from: string; to: string }[] }): Set<string> {
  return new Set(machine.moves().map((move) => `${move.from} --> ${move.to}`))
}

describe('state machines match their diagrams in docs/design/tickets.md', () => {
  for (const [machine, marker] of [
    [bookingStates, 'PAYMENT_INITIATED'],
    [paymentStates, 'AUTHORIZED'],
    [seatStates, 'OUTSIDE'],
  ] as const) {
    test(`the ${machine.name} transition table has exactly the diagram's moves`, () => {
      assert.deepEqual([...tableEdges(machine)].sort(), [...diagramWith(marker)].sort())
    })
  }
})

describe('state machines refuse illegal moves', () => {
  test('a booking move that is not in the table is refused with the caller’s code and the current status', () => {
    assert.throws(
      () =>
        bookingStates.transition('CONFIRMED', 'initiatePayment', { code: 'BOOKING_NOT_PAYABLE', details: { id: 7 } }),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'BOOKING_NOT_PAYABLE' &&
        (error.details as { status: string }).status === 'CONFIRMED',
    )
    assert.equal(bookingStates.transition('CREATED', 'initiatePayment', { code: 'X' }), 'PAYMENT_INITIATED')
  })

  test('a cancelled booking cannot move at all', () => {
    for (const event of ['initiatePayment', 'cancel', 'expire', 'refund', 'paymentSucceeded'] as const) {
      assert.equal(bookingStates.next('CANCELLED', event), undefined, event)
    }
  })

  test('an illegal payment move the caller should have prevented is a bug: it throws', () => {
    assert.throws(() => paymentStates.expect('REFUNDED', 'refund'), /payment: refund is not a legal move from REFUNDED/)
    assert.throws(() => paymentStates.expect('INITIATED', 'capture'))
    assert.equal(paymentStates.expect('AUTHORIZED', 'capture'), 'PAID')
  })

  test('the sweep and the saga read their filters from the tables', () => {
    assert.deepEqual(bookingStates.sources('expire').sort(), ['CREATED', 'PAYMENT_INITIATED'])
    assert.equal(bookingStates.target('expire'), 'CANCELLED')
    assert.deepEqual(seatStates.sources('sell'), ['RESERVED'])
    assert.deepEqual(seatStates.sources('free').sort(), ['RESERVED', 'SOLD'])
    assert.throws(() => seatStates.target('nothing' as never), /leads to 0 statuses/)
  })

  test('the database functions that change a booking’s seats allow it exactly where the booking table does', () => {
    // select_seats and release_seat check the booking's status in SQL (the migrations): the latest definition of
    // each must refuse every status but the ones `changeSeats` may leave from.
    const migrations = new URL('../migrations/', import.meta.url)
    const latest = new Map<string, string>()
    for (const name of readdirSync(migrations).sort()) {
      const sql = readFileSync(new URL(name, migrations), 'utf8')
      for (const match of sql.matchAll(/CREATE (?:OR REPLACE )?FUNCTION (\w+)\(([\s\S]*?)\$\$;/g))
        latest.set(match[1], match[2])
    }
    for (const fn of ['select_seats', 'release_seat']) {
      const editable = [...latest.get(fn)!.matchAll(/IF b\.status <> '(\w+)' THEN/g)].map((match) => match[1])
      assert.deepEqual(editable, bookingStates.sources('changeSeats'), fn)
    }
  })

  test('a seat taken outside Biletter can only come back FREE', () => {
    assert.deepEqual(
      seatStates
        .moves()
        .filter((move) => move.from === 'OUTSIDE')
        .map((move) => move.to),
      ['FREE'],
    )
    assert.equal(seatStates.next('OUTSIDE', 'select'), undefined)
  })
})
