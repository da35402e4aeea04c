/** The languages every page offers, Russian first: the first is the default when nothing else decides. */
export const LANGUAGES = ['ru', 'en'] as const
export type Language = (typeof LANGUAGES)[number]
export const DEFAULT_LANGUAGE: Language = LANGUAGES[0]

/** Each language's name in that language, as the language switch shows it. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { ru: 'Русский', en: 'English' }

export function isLanguage(value: unknown): value is Language {
  return (LANGUAGES as readonly unknown[]).includes(value)
}

/** A message is a text, or a function of its parameters that returns one (plurals, amounts, statuses). */
export type Message = string | ((...args: never[]) => string)

/**
 * Another language's side of a catalogue: every Russian key with the same shape, no more, so `tsc` rejects a missing,
 * extra or mistyped translation.
 */
export type Translation<M> = { readonly [K in keyof M]: M[K] extends string ? string : M[K] }

/** A page's texts in one language. */
export type MessagesOf<C> = C extends (lang: Language) => infer M ? M : never

/**
 * A typed catalogue, Russian first: returns the texts of a language. A key that the English side lacks at run time
 * (a catalogue assembled from data, say) shows its Russian text rather than `undefined`.
 */
export function defineMessages<const M extends Record<string, Message>>(catalogue: {
  ru: M
  en: Translation<NoInfer<M>>
}): (lang: Language) => Translation<M> {
  const byLanguage: Record<Language, Translation<M>> = {
    // Russian is its own translation; the cast only forgets the literal types of its texts.
    ru: catalogue.ru as Translation<M>,
    en: { ...catalogue.ru, ...catalogue.en },
  }
  return (lang) => byLanguage[lang] ?? byLanguage[DEFAULT_LANGUAGE]
}
