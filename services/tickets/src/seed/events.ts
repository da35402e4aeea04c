// event rows: the 10 000 active events (ids 1..10 000, event 1 the contest's concert) and the archive (ids from
// 100 000), shaped like the HackLoad events.json / events_archive.json.
import { copyField } from '@kokdala/core'
import { CHUNK_ROWS, type CopyChunk } from './copy.ts'
import { mixSeed, Random } from './random.ts'
import { DAY_SECONDS, DayTable, dayOf, formatClock } from './time.ts'
import {
  ACTIVE_DESCRIPTIONS,
  ACTIVE_EVENT_COUNT,
  ACTIVE_FIRST_NAMES,
  ACTIVE_HOURS,
  ACTIVE_PROVIDERS,
  ACTIVE_SURNAMES,
  ACTIVE_TEMPLATES,
  ARCHIVE_DESCRIPTIONS,
  ARCHIVE_FILMS,
  ARCHIVE_FIRST_DAY,
  ARCHIVE_FIRST_ID,
  ARCHIVE_HOURS,
  ARCHIVE_LAST_DAY,
  ARCHIVE_PERSONS,
  ARCHIVE_PROVIDERS,
  ARCHIVE_SHOWS,
  ARCHIVE_TEMPLATES,
  CONCERT_EVENT,
  fillTemplate,
  MINUTES,
} from './vocabulary.ts'

export const EVENT_COLUMNS = ['id', 'title', 'description', 'type', 'starts_at', 'provider', 'archived']

const ACTIVE_STREAM = 0x61637476
const ARCHIVE_STREAM = 0x61726368

/** The active events in id order; starts lie 1..90 days after `now` (seconds), in local time without zone. */
export function* activeEventChunks(options: { seed: number; now: number }): Generator<CopyChunk> {
  const random = new Random(mixSeed(options.seed, ACTIVE_STREAM))
  const today = Math.floor(options.now / DAY_SECONDS)
  const days = new DayTable(today + 1, today + 90)
  const concert = CONCERT_EVENT
  let text =
    `${concert.id}\t${copyField(concert.title)}\t${copyField(concert.description)}\t${concert.type}\t` +
    `${concert.startsAt}\t${copyField(concert.provider)}\tf\n`
  let rows = 1
  for (let id = concert.id + 1; id <= ACTIVE_EVENT_COUNT; id++) {
    // Every row makes the same draws whatever its template uses, so editing one template does not reshuffle the rest.
    const set = random.pick(ACTIVE_TEMPLATES)
    const template = random.pick(set.templates)
    const values = {
      T: random.pick(set.titles),
      P: `${random.pick(ACTIVE_FIRST_NAMES)} ${random.pick(ACTIVE_SURNAMES)}`,
      N: random.between(10, 50),
    }
    const description = random.pick(ACTIVE_DESCRIPTIONS)
    const provider = random.pick(ACTIVE_PROVIDERS)
    const day = days.day(today + random.between(1, 90))
    const clock = formatClock(random.pick(ACTIVE_HOURS), random.pick(MINUTES))
    const title = copyField(fillTemplate(template, values))
    text += `${id}\t${title}\t${copyField(description)}\t${set.type}\t${day} ${clock}\t${provider}\tf\n`
    if (++rows === CHUNK_ROWS) {
      yield { text, rows }
      text = ''
      rows = 0
    }
  }
  if (rows > 0) yield { text, rows }
}

/** Everything an archive row is assembled from, escaped and formatted once so that a row is a few concatenations. */
interface ArchiveTables {
  /** type → template → every title the template can produce. */
  titles: string[][][]
  /** `\t<description>\t<type>\t` for description d and type t at [d * types + t]. */
  middles: string[]
  /** 'YYYY-MM-DD ' of every archive day. */
  days: string[]
  /** 'HH:MM:SS' at [weighted percentile * 4 + minute index]: 100 hour slots follow the hour weights. */
  clocks: string[]
  /** `\t<provider>\tt\n`. */
  ends: string[]
}

let tables: ArchiveTables | undefined

function archiveTables(): ArchiveTables {
  if (tables) return tables
  const titles = ARCHIVE_TEMPLATES.map((set) =>
    set.templates.map((template) => {
      const out: string[] = []
      // Templates without {T}/{S} yield one title per person; the others one per title and person.
      const fillers = template.includes('{T}') ? ARCHIVE_FILMS : template.includes('{S}') ? ARCHIVE_SHOWS : ['']
      for (const filler of fillers) {
        for (const person of ARCHIVE_PERSONS) {
          out.push(copyField(fillTemplate(template, { T: filler, S: filler, P: person })))
        }
      }
      return out
    }),
  )
  const middles: string[] = []
  for (const description of ARCHIVE_DESCRIPTIONS) {
    for (const set of ARCHIVE_TEMPLATES) middles.push(`\t${copyField(description)}\t${set.type}\t`)
  }
  const range = new DayTable(dayOf(ARCHIVE_FIRST_DAY), dayOf(ARCHIVE_LAST_DAY))
  const days: string[] = []
  for (let day = dayOf(ARCHIVE_FIRST_DAY); day <= dayOf(ARCHIVE_LAST_DAY); day++) days.push(`${range.day(day)} `)
  const clocks: string[] = []
  for (const [hour, weight] of ARCHIVE_HOURS) {
    for (let slot = 0; slot < weight; slot++) for (const minute of MINUTES) clocks.push(formatClock(hour, minute))
  }
  if (clocks.length !== 100 * MINUTES.length) throw new Error('archive hour weights must add up to 100')
  const ends = ARCHIVE_PROVIDERS.map((provider) => `\t${provider}\tt\n`)
  tables = { titles, middles, days, clocks, ends }
  return tables
}

/** How many chunks an archive of `count` events takes. */
export function archiveChunkCount(count: number): number {
  return Math.ceil(count / CHUNK_ROWS)
}

/**
 * Chunk `index` of an archive of `count` events (ids ARCHIVE_FIRST_ID + index * CHUNK_ROWS onwards). Each chunk
 * has its own random stream, so chunks can be generated in any order or in parallel with identical results.
 */
export function archiveChunk(options: { count: number; seed: number }, index: number): CopyChunk {
  const { titles, middles, days, clocks, ends } = archiveTables()
  const random = new Random(mixSeed(mixSeed(options.seed, ARCHIVE_STREAM), index))
  const types = titles.length
  const first = index * CHUNK_ROWS
  const rows = Math.min(CHUNK_ROWS, options.count - first)
  let text = ''
  let id = ARCHIVE_FIRST_ID + first
  for (let i = 0; i < rows; i++, id++) {
    const type = random.int(types)
    const templates = titles[type]!
    const choices = templates[random.int(templates.length)]!
    const title = choices[random.int(choices.length)]
    const middle = middles[random.int(ARCHIVE_DESCRIPTIONS.length) * types + type]
    const day = days[random.int(days.length)]
    const clock = clocks[random.int(clocks.length)]
    text += `${id}\t${title}${middle}${day}${clock}${ends[random.int(ends.length)]}`
  }
  return { text, rows }
}

/** The whole archive in id order. */
export function* archiveEventChunks(options: { count: number; seed: number }): Generator<CopyChunk> {
  const chunks = archiveChunkCount(options.count)
  for (let index = 0; index < chunks; index++) yield archiveChunk(options, index)
}
