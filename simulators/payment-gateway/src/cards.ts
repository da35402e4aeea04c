/** Test cards of the real gateway's card processor; any other Luhn-valid number is approved 90 % of the time. */
export const TEST_CARDS = {
  approved: '4111111111111111',
  declined: '4000000000000002',
  insufficientFunds: '4000000000000119',
} as const

export type CardDecision =
  | { approved: true }
  | { approved: false; reason: 'CARD_DECLINED' | 'INSUFFICIENT_FUNDS' | 'PROCESSING_DECLINED' }

export interface CardInput {
  cardNumber: string
  expiryDate: string
  cvv: string
}

export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return sum % 10 === 0
}

/** Spaces and dashes are what people type between digit groups; the processor sees digits only. */
export function normaliseCardNumber(cardNumber: string): string {
  return cardNumber.replace(/[\s-]/g, '')
}

/**
 * Checks the typed card details; returns the message to show on the re-rendered form, or undefined. A card is
 * valid through the last day of its expiry month (UTC).
 */
export function cardProblem(input: CardInput, now: number, lang: 'ru' | 'en'): string | undefined {
  const en = lang === 'en'
  const number = normaliseCardNumber(input.cardNumber)
  if (!/^\d{13,19}$/.test(number) || !luhnValid(number)) return en ? 'Invalid card number' : 'Неверный номер карты'
  const expiry = /^(\d{2})\s*\/\s*(\d{2})$/.exec(input.expiryDate.trim())
  const month = expiry ? Number(expiry[1]) : 0
  if (!expiry || month < 1 || month > 12) return en ? 'Invalid expiry date' : 'Неверный срок действия карты'
  const endOfMonth = Date.UTC(2000 + Number(expiry[2]), month, 1)
  if (endOfMonth <= now) return en ? 'The card has expired' : 'Срок действия карты истёк'
  if (!/^\d{3,4}$/.test(input.cvv.trim())) return en ? 'Invalid CVV' : 'Неверный CVV'
  return undefined
}

/** The authorisation decision for a card already known to be well-formed. */
export function decideCard(cardNumber: string, random: () => number): CardDecision {
  const number = normaliseCardNumber(cardNumber)
  if (number === TEST_CARDS.approved) return { approved: true }
  if (number === TEST_CARDS.declined) return { approved: false, reason: 'CARD_DECLINED' }
  if (number === TEST_CARDS.insufficientFunds) return { approved: false, reason: 'INSUFFICIENT_FUNDS' }
  return random() < 0.9 ? { approved: true } : { approved: false, reason: 'PROCESSING_DECLINED' }
}
