// app_user rows shaped like the HackLoad users.csv. Every user is drawn from its own sub-stream keyed by id, so a
// user's row (and password) does not depend on how many users are generated, and a benchmark can recompute any
// generated user's password with generatedPassword().
import { hash } from 'node:crypto'
import { CHUNK_ROWS, type CopyChunk } from './copy.ts'
import { displayNameOf, type NameLists } from './names.ts'
import { mixSeed, Random } from './random.ts'
import { DAY_SECONDS, DayTable } from './time.ts'
import { USER_DOMAINS } from './vocabulary.ts'

/**
 * The users the organisers' load tests log in with (research/hackload.md §1.3). The passwords are the forms the
 * graders actually send: their k6 scripts are JS literals in which `\V`, `\W`, `\E` lose the backslash.
 */
export const KNOWN_USERS: ReadonlyArray<{ id: number; email: string; password: string }> = [
  { id: 1, email: 'aysultan_talgat_1@fest.tix', password: '/8eC$AD>' },
  { id: 2, email: 'sultan_sultanov_2@show.go', password: '*IVSf?kh)xa' },
  { id: 3, email: 'ayaulym_bazarbaeva_3@quick.pass', password: 'LDb60_%]4' },
  // The first letter is Cyrillic і (U+0456), as in the organisers' NameEn column.
  { id: 372921, email: '\u0456nzhu_ospanova_372921@quick.pass', password: 'lLZ~Z9X+>|C&(' },
  { id: 999989, email: 'sofiya_karimova_999989@show.go', password: 't~bv:18IV$@' },
  { id: 999990, email: 'aysha_sarsenova_999990@ticket.world', password: 'zUKhVyYs%>Ww' },
  { id: 999991, email: 'medina_rakhmetova_999991@show.go', password: ')~c^V+Tx#G9' },
  { id: 999996, email: 'muslima_serikbaeva_999996@ticket.world', password: 'U|t,P#R~' },
  { id: 999997, email: 'ayan_asqar_999997@fest.tix', password: '_lnAio:Br7b' },
  { id: 999999, email: 'kozayym_asanova_999999@hackhload.kz', password: '_^@5=[oc!)+$' },
  { id: 1000000, email: 'alinur_aytzhanov_1000000@ticket.world', password: 'bjD[wU=u#@Wk1ED' },
]

export const USER_COLUMNS = [
  'id',
  'email',
  'password_hash',
  'first_name',
  'surname',
  'birthday',
  'registered_at',
  'is_active',
  'last_logged_in',
]

export interface UserGeneration {
  /** Rows wanted; never fewer than the known users. */
  users: number
  seed: number
  /** "Now" in seconds since the epoch: registrations and logins lie before it. */
  now: number
}

// Python's string.ascii_letters + digits + punctuation, the alphabet of the original generator.
const PASSWORD_ALPHABET =
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'
const YEAR_SECONDS = 365 * DAY_SECONDS
const USER_STREAM = 0x75736572

/** The lower-case hex SHA-256 of a UTF-8 password, as app_user.password_hash stores it. */
export function passwordHash(password: string): string {
  return hash('sha256', password, 'hex')
}

/** How many app_user rows a request for `users` produces: the known users are always there. */
export function userRowCount(users: number): number {
  return Math.max(users, KNOWN_USERS.length)
}

/** The password of a generated (not known) user, recomputable from its id and the seed. */
export function generatedPassword(id: number, seed: number): string {
  const random = new Random(mixSeed(mixSeed(seed, USER_STREAM), id))
  return drawPassword(random)
}

function drawPassword(random: Random): string {
  const length = random.between(8, 16)
  let password = ''
  for (let i = 0; i < length; i++) password += PASSWORD_ALPHABET[random.int(PASSWORD_ALPHABET.length)]
  return password
}

/**
 * app_user rows in id order. Generated users take ids 1, 2, 3… skipping the known ids; known users sit at their
 * own ids, which may lie far beyond the generated range (999 989…), so the total is exactly userRowCount(users).
 */
export function* userChunks(names: NameLists, options: UserGeneration): Generator<CopyChunk> {
  const total = userRowCount(options.users)
  const known = [...KNOWN_USERS].sort((a, b) => a.id - b.id)
  const generatedTotal = total - known.length
  const stream = mixSeed(options.seed, USER_STREAM)
  const random = new Random(0)
  const now = options.now
  const today = Math.floor(now / DAY_SECONDS)
  const days = new DayTable(today - 67 * 366, today)

  let text = ''
  let rows = 0
  let generated = 0
  let nextKnown = 0
  let id = 0
  while (generated < generatedTotal || nextKnown < known.length) {
    id++
    const knownUser = known[nextKnown]
    const isKnown = knownUser !== undefined && knownUser.id === id
    if (!isKnown && generated >= generatedTotal) {
      // Only known users are left: jump straight to the next one.
      id = knownUser!.id - 1
      continue
    }

    random.reseed(mixSeed(stream, id))
    // The password comes first so generatedPassword() can replay it alone.
    const password = drawPassword(random)
    const sex = random.float() < 0.5 ? names.male : names.female
    const first = random.pick(sex.first)
    const last = random.pick(sex.last)
    const domain = random.pick(USER_DOMAINS)
    const birthday =
      random.float() < 0.3 ? '\\N' : days.day(today - Math.floor(13 * 365.25) - random.int(Math.floor(53 * 365.25)))
    const registered = now - YEAR_SECONDS - random.int(4 * YEAR_SECONDS)
    const active = random.float() < 0.8 ? 't' : 'f'
    const lastLogin = registered + random.int(now - registered)

    let email: string
    let passwordHex: string
    let firstName: string
    let surname: string
    if (isKnown) {
      email = knownUser.email
      passwordHex = passwordHash(knownUser.password)
      ;({ firstName, surname } = knownNames(names, knownUser.email))
      nextKnown++
    } else {
      email = `${first.latin}_${last.latin}_${id}@${domain}`
      passwordHex = passwordHash(password)
      firstName = first.display
      surname = last.display
      generated++
    }

    text +=
      `${id}\t${email}\t${passwordHex}\t${firstName}\t${surname}\t${birthday}\t` +
      `${days.timestamp(registered)}+00\t${active}\t${days.timestamp(lastLogin)}+00\n`
    if (++rows === CHUNK_ROWS) {
      yield { text, rows }
      text = ''
      rows = 0
    }
  }
  if (rows > 0) yield { text, rows }
}

/** A known user's first name and surname, recovered from the Latin forms in the e-mail. */
function knownNames(names: NameLists, email: string): { firstName: string; surname: string } {
  const [firstLatin = '', lastLatin = ''] = email.split('_')
  const sex = names.female.first.some((name) => name.latin === firstLatin) ? names.female : names.male
  return { firstName: displayNameOf(sex.first, firstLatin), surname: displayNameOf(sex.last, lastLatin) }
}
