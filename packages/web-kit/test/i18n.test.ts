import assert from 'node:assert/strict'
import { test } from 'node:test'
import { chooseLanguage, defineMessages, type Language } from '../src/index.ts'

test('an explicit ?lang= wins, then the cookie, then Accept-Language, then the page default, then Russian', () => {
  const all = { query: 'en', cookie: 'ru', acceptLanguage: 'ru', fallback: 'ru' as Language }
  assert.equal(chooseLanguage(all), 'en')
  assert.equal(chooseLanguage({ ...all, query: undefined, cookie: 'en' }), 'en')
  assert.equal(chooseLanguage({ cookie: undefined, acceptLanguage: 'en-GB', fallback: 'ru' }), 'en')
  assert.equal(chooseLanguage({ fallback: 'en' }), 'en')
  assert.equal(chooseLanguage({}), 'ru')
})

test('unknown or hostile values are skipped, never trusted', () => {
  assert.equal(chooseLanguage({ query: 'de', cookie: 'en' }), 'en')
  assert.equal(chooseLanguage({ query: ['en'], cookie: '<script>' }), 'ru')
  assert.equal(chooseLanguage({ query: 'EN' }), 'ru')
  assert.equal(chooseLanguage({ query: { toString: () => 'en' } }), 'ru')
  assert.equal(chooseLanguage({ acceptLanguage: 'de-DE,de;q=0.9', fallback: 'en' }), 'en')
  assert.equal(chooseLanguage({ acceptLanguage: ';;;q=abc,,' }), 'ru')
})

test('Accept-Language: q-values rank, regions match their language, "*" is Russian, q=0 refuses', () => {
  assert.equal(chooseLanguage({ acceptLanguage: 'kk-KZ,kk;q=0.9,ru;q=0.8,en;q=0.7' }), 'ru')
  assert.equal(chooseLanguage({ acceptLanguage: 'kk-KZ,ru;q=0.5,en-US;q=0.8' }), 'en')
  assert.equal(chooseLanguage({ acceptLanguage: 'en-US,en;q=0.9' }), 'en')
  assert.equal(chooseLanguage({ acceptLanguage: '*' }), 'ru')
  assert.equal(chooseLanguage({ acceptLanguage: 'ru;q=0,en;q=0.1' }), 'en')
})

test('a catalogue gives each language its texts; a key English lacks at run time falls back to Russian', () => {
  const text = defineMessages({
    ru: { pay: 'Оплатить', seats: (n: number) => `${n} мест` },
    en: { pay: 'Pay', seats: (n: number) => `${n} seats` },
  })
  assert.equal(text('ru').pay, 'Оплатить')
  assert.equal(text('en').seats(3), '3 seats')
  // A catalogue read from data can miss a key that tsc would have caught in code.
  const partial = { ru: { pay: 'Оплатить', back: 'Назад' }, en: { pay: 'Pay' } }
  const fromData = defineMessages(partial as unknown as { ru: typeof partial.ru; en: typeof partial.ru })
  assert.equal(fromData('en').back, 'Назад')
  assert.equal(fromData('en').pay, 'Pay')
  assert.equal(fromData('xx' as Language).pay, 'Оплатить')
})
