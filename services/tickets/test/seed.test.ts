import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { coreMigrationsDir, type Database } from '@kokdala/core'
import { openTestDatabase } from '@kokdala/core/testing'
import { archiveEventChunks } from '../src/seed/events.ts'
import {
  generatedPassword,
  isSeeded,
  KNOWN_USERS,
  passwordHash,
  type SeedProgress,
  type SeedSummary,
  seedTickets,
} from '../src/seed/index.ts'

const migrations = [coreMigrationsDir, fileURLToPath(new URL('../migrations', import.meta.url))]
const NOW = new Date('2025-10-01T09:00:00Z')
const USERS = 2_000
// Big enough that the rarest benchmark phrase (Экспозиция "Звездные войны", about 1 in 273 rows) surely occurs.
const ARCHIVE = 5_000
const PHRASES = ['концерт', 'Дмитрий Козлов', 'азарт', 'Чемпионат', 'Красная шапочка', 'Экспозиция "Звездные войны"']

describe('tickets seed', () => {
  let db: Database
  let summary: SeedSummary
  const progress: SeedProgress[] = []

  before(async () => {
    db = await openTestDatabase(migrations)
    assert.equal(await isSeeded(db), false)
    summary = await seedTickets(db, {
      users: USERS,
      archiveEvents: ARCHIVE,
      seed: 7,
      now: NOW,
      onProgress: (p) => progress.push(p),
    })
  })
  after(() => db?.close())

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string | number }>(sql, params)).rows[0]!.n)

  it('reports what it loaded', async () => {
    assert.equal(await isSeeded(db), true)
    assert.equal(summary.users, USERS)
    assert.equal(summary.activeEvents, 10_000)
    assert.equal(summary.archiveEvents, ARCHIVE)
    const lastUsers = progress.filter((p) => p.table === 'app_user').at(-1)
    const lastEvents = progress.filter((p) => p.table === 'event').at(-1)
    assert.deepEqual(lastUsers, { table: 'app_user', done: USERS, total: USERS })
    assert.deepEqual(lastEvents, { table: 'event', done: 10_000 + ARCHIVE, total: 10_000 + ARCHIVE })
  })

  it('loads the known users with their exact ids, e-mails and password hashes', async () => {
    assert.equal(await count('SELECT count(*) AS n FROM app_user'), USERS)
    // The documented vector for user 1.
    const userOne = passwordHash('/8eC$AD>')
    assert.ok(userOne.startsWith('bb8d4411') && userOne.endsWith('905e'))
    const { rows } = await db.query<{ id: number; email: string; password_hash: string }>(
      'SELECT id, email, password_hash FROM app_user WHERE id = ANY($1::bigint[]) ORDER BY id',
      [KNOWN_USERS.map((u) => u.id)],
    )
    assert.deepEqual(
      rows,
      KNOWN_USERS.map((u) => ({ id: u.id, email: u.email, password_hash: passwordHash(u.password) })),
    )
    assert.equal(rows[0]!.password_hash, userOne)
    const inzhu = rows.find((r) => r.id === 372921)!
    assert.equal(inzhu.email.codePointAt(0), 0x0456)
    const sofiya = rows.find((r) => r.id === 999989)!
    assert.equal(sofiya.password_hash, passwordHash('t~bv:18IV$@'))
  })

  it('generates users shaped like the HackLoad users.csv', async () => {
    const { rows } = await db.query<{ id: number; email: string; first_name: string; password_hash: string }>(
      'SELECT id, email, first_name, password_hash FROM app_user WHERE id BETWEEN 4 AND 200 ORDER BY id',
    )
    assert.equal(rows.length, 197)
    // The organisers' surname list has three typos with a digit 3 for З (3AYTZHANOVA); they are kept verbatim.
    for (const row of rows) {
      assert.match(row.email, new RegExp(`^[a-z\\u0456\\u04bb]+_[a-z3\\u0456\\u04bb]+_${row.id}@[a-z.]+$`, 'u'))
      assert.match(row.first_name, /^\p{Lu}\p{Ll}+$/u)
      assert.equal(row.password_hash, passwordHash(generatedPassword(row.id, 7)))
    }
    assert.equal(await count('SELECT max(id) AS n FROM app_user WHERE id < 372921'), USERS - KNOWN_USERS.length + 3)
    const shares = (
      await db.query<{ no_birthday: number; active: number; bad_login: number }>(
        `SELECT avg((birthday IS NULL)::int)::float8 AS no_birthday, avg(is_active::int)::float8 AS active,
                count(*) FILTER (WHERE last_logged_in < registered_at OR last_logged_in > $1
                                 OR registered_at > $1::timestamptz - interval '364 days'
                                 OR registered_at < $1::timestamptz - interval '1826 days') AS bad_login
         FROM app_user`,
        [NOW],
      )
    ).rows[0]!
    assert.ok(Math.abs(shares.no_birthday - 0.3) < 0.05, `birthday empty share ${shares.no_birthday}`)
    assert.ok(Math.abs(shares.active - 0.8) < 0.05, `active share ${shares.active}`)
    assert.equal(Number(shares.bad_login), 0)
  })

  it('loads event 1 exactly and 10 000 active events', async () => {
    const { rows } = await db.query(
      `SELECT title, description, type, to_char(starts_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS starts_at, provider, archived
       FROM event WHERE id = 1`,
    )
    assert.deepEqual(rows[0], {
      title: 'Концерт мировой звезды Селеста Морейра из Лусарии',
      description:
        'В нашу сказочную Көкдалу прилетает мировая музыкальная звезда Селеста Морейра из большой соседней страны ' +
        'Лусария. Ее выступление будет проходить на центральном стадионе, который вмещает в себя 100 тысяч зрителей.',
      type: 'concert',
      starts_at: '2025-12-15T20:00:00',
      provider: 'Билеттер',
      archived: false,
    })
    assert.equal(await count('SELECT count(*) AS n FROM event WHERE NOT archived'), 10_000)
    assert.equal(await count('SELECT count(*) AS n FROM event WHERE NOT archived AND id BETWEEN 1 AND 10000'), 10_000)
    const odd = await count(
      `SELECT count(*) AS n FROM event WHERE NOT archived AND id > 1 AND (
         type NOT IN ('film', 'cinema', 'stage', 'game') OR provider NOT IN ('TicketRu', 'EventWorld', 'ShowTime')
         OR extract(hour FROM starts_at) NOT IN (18, 19, 20, 21) OR extract(minute FROM starts_at) NOT IN (0, 15, 30, 45)
         OR starts_at < $1::date + 1 OR starts_at >= $1::date + 91)`,
      ['2025-10-01'],
    )
    assert.equal(odd, 0)
  })

  it('loads the archive from id 100 000 with archive dates and hours', async () => {
    const { rows } = await db.query<{ n: number; min: number; max: number; first: string; last: string }>(
      `SELECT count(*)::int AS n, min(id) AS min, max(id) AS max, min(starts_at)::text AS first,
              max(starts_at)::text AS last FROM event WHERE archived`,
    )
    assert.deepEqual(
      { n: rows[0]!.n, min: rows[0]!.min, max: rows[0]!.max },
      { n: ARCHIVE, min: 100_000, max: 100_000 + ARCHIVE - 1 },
    )
    assert.ok(rows[0]!.first >= '2015-01-01' && rows[0]!.last < '2024-12-31', `${rows[0]!.first}..${rows[0]!.last}`)
    const odd = await count(
      `SELECT count(*) AS n FROM event WHERE archived AND (
         type NOT IN ('film', 'game', 'cinema', 'concert', 'theater', 'sport', 'exhibition')
         OR extract(hour FROM starts_at) NOT BETWEEN 17 AND 22 OR extract(minute FROM starts_at) NOT IN (0, 15, 30, 45))`,
    )
    assert.equal(odd, 0)
  })

  it('finds every benchmark phrase with Russian full-text search', async () => {
    for (const phrase of PHRASES) {
      const n = await count("SELECT count(*) AS n FROM event WHERE search @@ websearch_to_tsquery('russian', $1)", [
        phrase,
      ])
      assert.ok(n > 0, `no hits for ${phrase}`)
    }
    // Morphology: the lower-case stem finds the prefixed forms, and азарт only occurs as "азарта" in descriptions.
    const gala = await count(
      "SELECT count(*) AS n FROM event WHERE title LIKE 'Гала-концерт%' AND search @@ websearch_to_tsquery('russian', 'концерт')",
    )
    assert.ok(gala > 0)
  })

  it('puts some archive events on 2024-12-25 once the archive is large', () => {
    let hits = 0
    for (const chunk of archiveEventChunks({ count: 100_000, seed: 7 }))
      hits += chunk.text.split('\t2024-12-25 ').length - 1
    // 100 000 rows over 3 652 days: about 27 a day.
    assert.ok(hits > 5, `${hits} events on 2024-12-25`)
  })

  it('is deterministic for a seed', async () => {
    const firstRows = () =>
      db.query(
        `(SELECT id, title, description, type, starts_at::text, provider FROM event WHERE id <= 20 OR id BETWEEN 100000 AND 100020)
         UNION ALL (SELECT id, email, password_hash, first_name, coalesce(birthday::text, ''), registered_at::text
                    FROM app_user WHERE id <= 20)
         ORDER BY 1, 2`,
      )
    const before = (await firstRows()).rows
    await seedTickets(db, { users: 100, archiveEvents: 100, seed: 7, now: NOW })
    assert.deepEqual((await firstRows()).rows, before)
    await seedTickets(db, { users: 100, archiveEvents: 100, seed: 8, now: NOW })
    assert.notDeepEqual((await firstRows()).rows, before)
    assert.equal(await count('SELECT count(*) AS n FROM app_user'), 100)
    assert.equal(await count('SELECT count(*) AS n FROM event'), 10_100)
  })

  it('always keeps the known users, even when fewer users are asked for', async () => {
    const result = await seedTickets(db, { users: 0, archiveEvents: 0, now: NOW })
    assert.equal(result.users, KNOWN_USERS.length)
    assert.equal(await count('SELECT count(*) AS n FROM app_user'), KNOWN_USERS.length)
    assert.equal(await count('SELECT count(*) AS n FROM event'), 10_000)
    await assert.rejects(seedTickets(db, { users: -1, archiveEvents: 0 }), RangeError)
  })
})
