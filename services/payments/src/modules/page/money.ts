import { displayTenge, type Tiyn } from '@kokdala/core'
import type { Language } from '@kokdala/web-kit'

/**
 * An amount as the page shows it: "50 000 ₸" in Russian (no-break spaces), "50,000 ₸" in English, and the tiyn only
 * when there are some ("12 280,50 ₸").
 */
export function showTenge(amount: Tiyn, lang: Language): string {
  return displayTenge(amount, lang).replace(/[,.]00(?=\u00a0₸$)/, '')
}

/**
 * What the terminal will ask for `due` with a method of `bp` basis points: the commission on top, then up to whole
 * tenge (terminals take whole tenge) — the payments module's rule, so the page's estimate is the charge. The API's
 * answer to `/kaspi` stays the authority; the page shows this before the choice is made.
 */
export function chargeFor(due: Tiyn, bp: number): Tiyn {
  const gross = due * BigInt(10_000 + bp)
  const perTenge = 100n * 10_000n
  return ((gross + perTenge - 1n) / perTenge) * 100n
}
