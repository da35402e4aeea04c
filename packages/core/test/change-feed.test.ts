import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type ChangeFeed, createChangeFeed, createNotifiedCache } from '../src/index.ts'
import { eventually, openTestDatabase } from '../src/testing/index.ts'

const silent = { warn() {} }

/** A promise with its resolve handle, to hold a load open while a change happens. */
function gate<T>() {
  let open!: (value: T) => void
  const promise = new Promise<T>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

describe('notified cache on a local feed (one process owns the data)', () => {
  const far = Date.now() + 3_600_000

  test('keeps a loaded value until its key changes, then reads again', async () => {
    const feed = createChangeFeed({ channel: 'things', log: silent })
    const cache = createNotifiedCache<string>({ feed, maxEntries: 10 })
    let reads = 0
    const load = () =>
      cache.load(
        'a',
        async () => `v${++reads}`,
        () => far,
      )
    assert.equal(await load(), 'v1')
    assert.equal(cache.get('a', Date.now()), 'v1')
    feed.changed('b')
    assert.equal(cache.get('a', Date.now()), 'v1', 'another key changing leaves it')
    feed.changed('a')
    assert.equal(cache.get('a', Date.now()), undefined)
    assert.equal(await load(), 'v2')
    assert.equal(reads, 2)
  })

  test('a value is not answered at or after its validity, nor kept when the loader says not to', async () => {
    const feed = createChangeFeed({ channel: 'things', log: silent })
    const cache = createNotifiedCache<string>({ feed, maxEntries: 10 })
    await cache.load(
      'a',
      async () => 'soon',
      () => 1_000,
    )
    assert.equal(cache.get('a', 999), 'soon')
    assert.equal(cache.get('a', 1_000), undefined)
    await cache.load(
      'b',
      async () => 'never',
      () => undefined,
    )
    assert.equal(cache.get('b', 0), undefined)
    assert.equal(cache.size, 0)
  })

  test('a read that a change overtook is returned but not kept (it may hold the state before the change)', async () => {
    const feed = createChangeFeed({ channel: 'things', log: silent })
    const cache = createNotifiedCache<string>({ feed, maxEntries: 10 })
    const held = gate<string>()
    const loading = cache.load(
      'a',
      () => held.promise,
      () => far,
    )
    feed.changed('a')
    held.open('old')
    assert.equal(await loading, 'old')
    assert.equal(cache.get('a', Date.now()), undefined)
    await cache.load(
      'a',
      async () => 'new',
      () => far,
    )
    assert.equal(cache.get('a', Date.now()), 'new')
  })

  test('holds at most maxEntries, dropping the least recently used', async () => {
    const feed = createChangeFeed({ channel: 'things', log: silent })
    const cache = createNotifiedCache<number>({ feed, maxEntries: 2 })
    await cache.load(
      'a',
      async () => 1,
      () => far,
    )
    await cache.load(
      'b',
      async () => 2,
      () => far,
    )
    cache.get('a', Date.now())
    await cache.load(
      'c',
      async () => 3,
      () => far,
    )
    assert.equal(cache.size, 2)
    assert.equal(cache.get('b', Date.now()), undefined, 'b was the least recently used')
    assert.equal(cache.get('a', Date.now()), 1)
    assert.equal(cache.get('c', Date.now()), 3)
  })

  test('refuses a channel name that is not a plain identifier (it is put into LISTEN as it is)', () => {
    assert.throws(() => createChangeFeed({ channel: 'x; DROP TABLE y', log: silent }), RangeError)
  })
})

const adminUrl = process.env.TEST_DATABASE_URL

describe('change feed on PostgreSQL (LISTEN/NOTIFY)', { skip: !adminUrl && 'needs TEST_DATABASE_URL' }, () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>
  let feed: ChangeFeed
  const heard: string[] = []
  let resets = 0
  const listenerPid = async () => {
    const { rows } = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
    )
    return rows[0]?.pid
  }

  before(async () => {
    db = await openTestDatabase([])
    feed = createChangeFeed({ url: db.url, channel: 'things', retryMs: 50, log: silent })
    feed.subscribe({ changed: (key) => heard.push(key), reset: () => resets++ })
    assert.equal(feed.live, false, 'not live before it listens')
    await feed.start()
  })
  after(async () => {
    await feed.close()
    await db.close()
  })

  test('hears a committed notification from another connection, not a rolled-back one', async () => {
    assert.equal(feed.live, true)
    await db
      .transaction(async (tx) => {
        await tx.query(`SELECT pg_notify('things', 'rolled-back')`)
        throw new Error('undo')
      })
      .catch(() => {})
    await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_notify('things', 'committed')`)
      assert.ok(!heard.includes('committed'), 'not before the commit')
    })
    await eventually(async () => heard.includes('committed'), 5_000, 'the notification')
    assert.ok(!heard.includes('rolled-back'))
  })

  test('a killed LISTEN connection empties and turns off the cache until it listens again', async () => {
    const cache = createNotifiedCache<string>({ feed, maxEntries: 10 })
    await cache.load(
      'a',
      async () => 'cached',
      () => Date.now() + 60_000,
    )
    assert.equal(cache.get('a', Date.now()), 'cached')
    const resetsBefore = resets
    const pid = await listenerPid()
    assert.ok(pid, 'the feed has a LISTEN connection')
    await db.query('SELECT pg_terminate_backend($1)', [pid])
    await eventually(async () => !feed.live || undefined, 5_000, 'the feed to notice')
    assert.ok(resets > resetsBefore)
    assert.equal(cache.get('a', Date.now()), undefined)
    // Nothing read while nobody listens is kept: a change now would go unheard.
    const whileDown = await cache.load(
      'b',
      async () => 'unheard',
      () => Date.now() + 60_000,
    )
    assert.equal(whileDown, 'unheard')
    assert.equal(cache.size, 0)
    await eventually(async () => feed.live || undefined, 5_000, 'the feed to listen again')
    assert.notEqual(await listenerPid(), pid)
    await db.query(`SELECT pg_notify('things', 'after-reconnect')`)
    await eventually(async () => heard.includes('after-reconnect'), 5_000, 'a notification after the reconnect')
    cache.close()
  })

  test('a feed that cannot connect stays off and keeps trying', async () => {
    const url = new URL(db.url as string)
    url.pathname = '/kokdala_no_such_database'
    const down = createChangeFeed({ url: url.toString(), channel: 'things', retryMs: 20, log: silent })
    await down.start()
    assert.equal(down.live, false)
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal(down.live, false, 'still off after a few retries')
    await down.close()
  })
})
