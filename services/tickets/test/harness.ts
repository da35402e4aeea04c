import { basicAuthHeader, manualClock, sha256Hex, systemClock } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { buildTicketsApp, ticketsMigrations } from '../src/app.ts'
import { loadTicketsConfig } from '../src/config.ts'

/** Three buyers with known credentials, enough for ownership rules. */
export const buyers = [
  { id: 1, email: 'aysultan_talgat_1@fest.tix', password: '/8eC$AD>' },
  { id: 2, email: 'sultan_sultanov_2@show.go', password: '*IVSf?kh)xa' },
  { id: 3, email: 'іnzhu_ospanova_372921@quick.pass', password: 'lLZ~Z9X+>|C&(' },
]

/** The Authorization header of a buyer. */
export function basic(user: { email: string; password: string }): string {
  return basicAuthHeader(user.email, user.password)
}

/**
 * A tickets app on a fresh database with a small fixture: the buyers, event 1 (the stadium), two more active
 * events, and three archive events. Background loops are off unless asked for (tests drive expiry and jobs by
 * hand), and time is a manual clock at 2030-01-01 unless `realClock` (needed with background loops).
 */
export async function startTickets(
  env: Record<string, string> = {},
  { background = false, realClock = false }: { background?: boolean; realClock?: boolean } = {},
) {
  const db = await openTestDatabase(ticketsMigrations)
  for (const user of buyers) {
    await db.query(
      `INSERT INTO app_user (id, email, password_hash, first_name, surname, registered_at)
       VALUES ($1, $2, $3, 'Тест', 'Тестов', now())`,
      [user.id, user.email, sha256Hex(user.password)],
    )
  }
  await db.exec(`
    INSERT INTO event (id, title, description, type, starts_at, provider, archived) VALUES
      (1, 'Концерт мировой звезды Селеста Морейра из Лусарии', 'Стадион на 100 тысяч зрителей.', 'concert', '2030-12-15T20:00:00', 'Билеттер', false),
      (2, 'Показ картины "Зеленая миля" с Владимир Смирнов в главной роли', 'Премьерный показ долгожданной новинки.', 'film', '2030-10-25T19:45:00', 'TicketRu', false),
      (3, 'Сольный концерт Анна Иванов', 'Культурное событие высочайшего уровня.', 'stage', '2030-11-01T18:00:00', 'ShowTime', false),
      (100000, 'Гала-концерт Дмитрий Козлов', 'Атмосфера азарта и соперничества гарантирована.', 'concert', '2024-12-25T19:00:00', 'SportHub', true),
      (100001, 'Экспозиция "Звездные войны" куратор Ольга Сидорова', 'Грандиозное событие.', 'exhibition', '2023-05-01T18:00:00', 'CultureCity', true),
      (100002, 'Киносеанс "Красная шапочка" режиссера Николай Орлов', 'Яркие эмоции.', 'film', '2024-12-25T21:00:00', 'TicketRu', true)`)
  const clock = manualClock(new Date('2030-01-01T12:00:00Z'))
  // The contract's reset is switched on: the suites reset between scenarios as the HackLoad harness does.
  const config = loadTicketsConfig({ TICKETS_PORT: '0', LOG_LEVEL: 'warn', RESET_ENABLED: 'true', ...env })
  const tickets = await buildTicketsApp({ config, db, clock: realClock ? systemClock : clock, background })
  await tickets.app.ready()
  return {
    ...tickets,
    clock,
    async close() {
      await tickets.app.close()
      await db.close()
    },
  }
}

type Started = Awaited<ReturnType<typeof startTickets>>

/** Small request helpers over `app.inject`, with a buyer's credentials when given. */
export function client(t: Started) {
  const call = async (
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    user?: (typeof buyers)[number],
    payload?: unknown,
  ) => {
    const response = await t.app.inject({
      method,
      url,
      headers: user ? { authorization: basic(user) } : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    const json = response.body && response.headers['content-type']?.includes('json') ? response.json() : undefined
    return { status: response.statusCode, json, headers: response.headers, body: response.body }
  }
  return {
    get: (url: string, user?: (typeof buyers)[number]) => call('GET', url, user),
    post: (url: string, payload?: unknown, user?: (typeof buyers)[number]) => call('POST', url, user, payload),
    patch: (url: string, payload: unknown, user?: (typeof buyers)[number]) => call('PATCH', url, user, payload),
    async createBooking(user: (typeof buyers)[number], eventId: number): Promise<number> {
      const response = await call('POST', '/api/bookings', user, { event_id: eventId })
      if (response.status !== 201) throw new Error(`create booking: ${response.status} ${response.body}`)
      return response.json.id
    },
    async select(user: (typeof buyers)[number], bookingId: number, seatId: number) {
      return call('PATCH', '/api/seats/select', user, { booking_id: bookingId, seat_id: seatId })
    },
  }
}
