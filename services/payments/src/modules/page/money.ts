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
 * What the terminal will ask to settle `remaining` — stated, as the API states it, in the money of the method chosen
 * last (rate `fromBp`; 0 before any choice) — with a method of rate `bp`: the net restated in that method's money,
 * rounded up to whole tenge (terminals take whole tenge). This is the payments module's rule ("markup on net",
 * charges rounded up), so the estimate is the charge; the API's answer to `/kaspi` stays the authority.
 */
export function chargeFor(remaining: Tiyn, fromBp: number, bp: number): Tiyn {
  if (remaining <= 0n) return 0n
  const numerator = remaining * BigInt(10_000 + bp)
  const perWholeTenge = BigInt(10_000 + fromBp) * 100n
  return ((numerator + perWholeTenge - 1n) / perWholeTenge) * 100n
}
