import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { basic, buyers, startTickets } from './harness.ts'

let t: Awaited<ReturnType<typeof startTickets>>
before(async () => {
  t = await startTickets()
})
after(() => t.close())

test('smoke', async () => {
  const list = await t.app.inject({ method: 'GET', url: '/api/events?page=1&pageSize=20' })
  assert.equal(list.statusCode, 200, list.body)
  console.log(list.body)
  const search = await t.app.inject({ method: 'GET', url: `/api/events?query=${encodeURIComponent('азарт')}` })
  console.log(search.body)
  const seats = await t.app.inject({ method: 'GET', url: '/api/seats?event_id=1&status=FREE&pageSize=5' })
  console.log(seats.statusCode, seats.body)
  const b = await t.app.inject({ method: 'POST', url: '/api/bookings', headers: { authorization: basic(buyers[0]) }, payload: { event_id: 1 } })
  console.log(b.statusCode, b.body)
  const id = JSON.parse(seats.body)[0].id
  const sel = await t.app.inject({ method: 'PATCH', url: '/api/seats/select', headers: { authorization: basic(buyers[0]) }, payload: { booking_id: b.json().id, seat_id: id } })
  console.log(sel.statusCode, sel.body)
  const pay = await t.app.inject({ method: 'PATCH', url: '/api/bookings/initiatePayment', headers: { authorization: basic(buyers[0]) }, payload: { booking_id: b.json().id } })
  console.log(pay.statusCode, pay.headers.location)
  const r = await t.app.inject({ method: 'POST', url: '/api/reset', headers: { 'content-type': 'application/json' } })
  console.log(r.statusCode, r.body)
})
