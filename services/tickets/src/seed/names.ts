// The organisers' Kazakh name lists (verbatim copies in ./data, columns Sex,NameKZ,NameEn), read from the repo so
// the seed works wherever the service is deployed.
import { readFile } from 'node:fs/promises'
import { copyField } from '@kokdala/core'

export interface Name {
  /** NameKZ with only the first letter upper-case, as users' first_name/surname; already COPY-escaped. */
  display: string
  /** Lower-cased NameEn, as used in e-mails (may contain Cyrillic look-alikes such as U+0456). */
  latin: string
}

export interface NameLists {
  male: { first: Name[]; last: Name[] }
  female: { first: Name[]; last: Name[] }
}

const DATA_DIR = new URL('./data/', import.meta.url)

let cached: Promise<NameLists> | undefined

/** Python's str.capitalize: first character upper-case, the rest lower-case. */
export function capitalize(name: string): string {
  const lower = name.toLowerCase()
  return lower.charAt(0).toUpperCase() + lower.slice(1)
}

/** The name lists, read once per process. */
export function loadNames(): Promise<NameLists> {
  cached ??= Promise.all([readList('first_names.csv'), readList('last_names.csv')]).then(([first, last]) => ({
    male: { first: first.M, last: last.M },
    female: { first: first.F, last: last.F },
  }))
  return cached
}

/** The display form of the first name in a list whose Latin form is `latin`, or the capitalised Latin itself. */
export function displayNameOf(list: readonly Name[], latin: string): string {
  return list.find((name) => name.latin === latin)?.display ?? copyField(capitalize(latin))
}

async function readList(file: string): Promise<{ M: Name[]; F: Name[] }> {
  const text = await readFile(new URL(file, DATA_DIR), 'utf8')
  const lists: { M: Name[]; F: Name[] } = { M: [], F: [] }
  // The files hold no quotes or embedded commas, so a plain split is a complete CSV parser for them.
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (!line) continue
    const [sex, kz, en] = line.split(',')
    if ((sex !== 'M' && sex !== 'F') || !kz || !en) throw new Error(`${file}: malformed line "${line}"`)
    lists[sex].push({ display: copyField(capitalize(kz)), latin: en.toLowerCase() })
  }
  if (lists.M.length === 0 || lists.F.length === 0) throw new Error(`${file}: needs both M and F rows`)
  return lists
}
