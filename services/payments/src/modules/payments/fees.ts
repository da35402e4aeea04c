import { percentOf, type Tiyn, tenge } from '@kokdala/core'
import { compare, type Ratio, ratio, scale, toWholeTenge } from './ratio.ts'

/**
 * The fee model, "markup on net" (docs/design/payments.md): a method with rate `bp` charges the customer the
 * merchant's net plus bp/10000 on top, so the merchant nets what it asked for (50 000 ₸ by credit is 57 000 ₸).
 * Everything a payment owes is counted in net tiyn; an amount in some method's money is net × (10000 + bp) / 10000.
 */
const BASE = 10_000n

/** A net amount stated in the money of a method with rate `bp` (credit: 100 000 ₸ net is 114 000 ₸). */
export function grossOf(net: Ratio, bp: number): Ratio {
  return scale(net, BASE + BigInt(bp), BASE)
}

/** An amount in the money of a method with rate `bp`, as net (114 000 ₸ of credit is 100 000 ₸ net). */
export function netOf(amount: Ratio, bp: number): Ratio {
  return scale(amount, BASE, BASE + BigInt(bp))
}

/**
 * What a terminal is asked for to settle `dueNet` with a method of rate `bp`: the exact gross rounded up to whole
 * tenge (terminals charge whole tenge; rounding up never leaves the merchant short). 50 000 ₸ by credit: 57 000 ₸.
 */
export function chargeFor(dueNet: Ratio, bp: number): Tiyn {
  return toWholeTenge(grossOf(dueNet, bp), 'up')
}

/**
 * What money paid with method `usedBp` counts for on an attempt where the customer chose `chosenBp`, in the chosen
 * method's money (the seed's scenarios 3 and 4):
 * - the chosen method: face value;
 * - a dearer one (Gold chosen, credit paid): what it is worth to the merchant, gross × (10000 + chosen) /
 *   (10000 + used), rounded down to whole tenge — 100 000 ₸ by credit counts as 87 719 ₸, 12 281 ₸ remain;
 * - a cheaper one (credit chosen, Gold paid): face value, never more — the customer owes the commission of the
 *   method chosen, so 100 000 ₸ by Gold on 114 000 ₸ leaves 14 000 ₸, as the seed says.
 */
export function captureValue(gross: Tiyn, usedBp: number, chosenBp: number): Tiyn {
  if (usedBp <= chosenBp) return gross
  const worth = scale(ratio(gross), BASE + BigInt(chosenBp), BASE + BigInt(usedBp))
  const rounded = toWholeTenge(worth, 'down')
  return rounded < gross ? rounded : gross
}

/** The seed's tolerance, in integers: max(500 ₸, 0.5 % of the amount rounded down to the tiyn). */
export function toleranceOf(amount: Tiyn): Tiyn {
  const half = percentOf(amount, 50n, 'down')
  const floor = tenge(500)
  return half > floor ? half : floor
}

/** Whether what is still owed (net) is small enough to count the payment as paid. */
export function withinTolerance(remainingNet: Ratio, amount: Tiyn): boolean {
  return compare(remainingNet, ratio(toleranceOf(amount))) <= 0
}
