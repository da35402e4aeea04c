import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startPayments } from './harness.ts'
import { pendingPayment, startFakePayments } from './page-fake-api.ts'

const NBSP = '\u00a0'
const HOSTILE = `<script>document.title='pwned'</script><img src=x onerror=alert(1)> "Тур" & 'Дубай'`

/** The visible text of a rendered page, roughly: tags dropped, the entities the renderer writes decoded. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}

describe('GET /pay/{id} against the seed-shaped API', () => {
  let fake: Awaited<ReturnType<typeof startFakePayments>>
  before(async () => {
    fake = await startFakePayments()
    fake.add(pendingPayment('A3F5D9E2B1C8', 50_000, 'Оплата тура в Дубай #12345'))
    fake.add(pendingPayment('HOSTILE00001', 100_000, HOSTILE))
  })
  after(() => fake.app.close())

  const get = (url: string, headers: Record<string, string> = {}) => fake.app.inject({ method: 'GET', url, headers })

  it('shows the description, the amount in Russian and every method with what it adds, under the CSP', async () => {
    const answer = await get('/pay/A3F5D9E2B1C8')
    assert.equal(answer.statusCode, 200)
    assert.match(String(answer.headers['content-type']), /^text\/html/)
    assert.match(String(answer.headers['content-security-policy']), /default-src 'none'/)
    assert.equal(answer.headers['cache-control'], 'no-store')
    const html = answer.body
    assert.match(html, /<html lang="ru">/)
    const text = textOf(html)
    assert.match(text, /Оплата тура в Дубай #12345/)
    assert.match(text, new RegExp(`50${NBSP}000${NBSP}₸`))
    // Gold and Red add nothing; credit and instalments add 14 %: 7 000 on 50 000, 57 000 in all.
    assert.equal((text.match(/без комиссии/g) ?? []).length, 2)
    assert.equal((text.match(new RegExp(`\\+7${NBSP}000${NBSP}₸ комиссия 14${NBSP}%`, 'g')) ?? []).length, 2)
    assert.equal((text.match(new RegExp(`57${NBSP}000${NBSP}₸`, 'g')) ?? []).length, 2)
    assert.match(text, /Kaspi Кредит/)
    assert.match(html, /<dt>Оплатить до<\/dt><dd id="expires-at">03\.12\.2026 11:00<\/dd>/)
    assert.match(text, new RegExp(`на 3, 6, 12${NBSP}мес\\.`))
    assert.match(html, /<button id="pay" type="submit">Оплатить<\/button>/)
    assert.match(html, /<script type="module" nonce="[^"]+">/)
  })

  it('never shows the customer’s name, phone or e-mail, even when the API gives them', async () => {
    const html = (await get('/pay/A3F5D9E2B1C8')).body
    assert.doesNotMatch(html, /Иванов|77001234567|ivan@example\.com/)
  })

  it('switches to English with ?lang=en, remembers it, and ignores the browser’s language', async () => {
    const english = await get('/pay/A3F5D9E2B1C8?lang=en')
    assert.equal(english.statusCode, 200)
    assert.match(english.body, /<html lang="en">/)
    const text = textOf(english.body)
    assert.match(text, /Order payment/)
    assert.match(text, new RegExp(`50,000${NBSP}₸`))
    assert.match(text, /Kaspi Credit/)
    assert.match(text, new RegExp(`\\+7,000${NBSP}₸ fee 14${NBSP}%`))
    assert.match(english.body, />Pay<\/button>/)
    assert.match(String(english.headers['set-cookie']), /^lang=en;/)
    const remembered = await get('/pay/A3F5D9E2B1C8', { cookie: 'lang=en' })
    assert.match(remembered.body, /<html lang="en">/)
    const browserEnglish = await get('/pay/A3F5D9E2B1C8', { 'accept-language': 'en-US,en;q=0.9' })
    assert.match(browserEnglish.body, /<html lang="ru">/)
    // An unknown language in the link still opens the page, in Russian.
    const unknown = await get('/pay/A3F5D9E2B1C8?lang=xx&utm_source=whatsapp')
    assert.equal(unknown.statusCode, 200)
    assert.match(unknown.body, /<html lang="ru">/)
  })

  it('shows a hostile description as text: no element of it reaches the markup', async () => {
    const answer = await get('/pay/HOSTILE00001')
    assert.equal(answer.statusCode, 200)
    assert.doesNotMatch(answer.body, /<script>document/)
    assert.doesNotMatch(answer.body, /<img src=x/)
    assert.match(answer.body, /&lt;script>document.title='pwned'&lt;\/script>|&lt;script&gt;document/)
    assert.ok(textOf(answer.body).includes(HOSTILE))
  })

  it('answers an unknown or malformed id, or any other path under /pay/, with a 404 page in HTML', async () => {
    for (const url of [
      '/pay/UNKNOWN00000',
      '/pay/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      `/pay/${'A'.repeat(65)}`,
      '/pay/A3F5D9E2B1C8%00',
      '/pay/',
      '/pay/A3F5D9E2B1C8/extra',
      '/pay/..%2F..%2Fapi',
    ]) {
      const answer = await get(url)
      assert.equal(answer.statusCode, 404, url)
      assert.match(String(answer.headers['content-type']), /^text\/html/, url)
      assert.match(textOf(answer.body), /Платёж не найден/, url)
      assert.doesNotMatch(answer.body, /<script>alert/, url)
    }
    const english = await get('/pay/UNKNOWN00000?lang=en')
    assert.match(textOf(english.body), /Payment not found/)
  })

  it('answers its own page, not a 500 or JSON, when the API fails (503) or limits this customer (429)', async () => {
    for (const [mode, status] of [
      ['failing', 503],
      ['limiting', 429],
    ] as const) {
      fake.breakApi(mode)
      try {
        const answer = await get('/pay/A3F5D9E2B1C8')
        assert.equal(answer.statusCode, status, mode)
        assert.match(String(answer.headers['content-type']), /^text\/html/)
        assert.equal(answer.headers['retry-after'], '5')
        assert.match(textOf(answer.body), /Сервис временно недоступен/)
      } finally {
        fake.breakApi(false)
      }
    }
  })

  it('while processing: the Kaspi QR as an SVG image drawn here, and the Kaspi link for phones', async () => {
    fake.add({
      ...pendingPayment('PROCESSING01', 100_000, 'Тур в Турцию'),
      status: 'processing',
      amount: 114_000,
      remaining_amount: 114_000,
      payment_method: 'kaspi_kredit',
      qr_code: 'https://qr.kaspi.kz/abc123',
      payment_url: 'https://pay.kaspi.kz/pay/abc123',
    })
    const html = (await get('/pay/PROCESSING01')).body
    const src = /<img id="qr-image" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(html)?.[1]
    assert.ok(src, 'a QR image')
    assert.match(Buffer.from(src, 'base64').toString(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    assert.match(html, /<a class="phone" id="phone-link" href="https:\/\/pay.kaspi.kz\/pay\/abc123"/)
    const text = textOf(html)
    assert.match(text, /Ожидаем оплату/)
    assert.match(text, new RegExp(`114${NBSP}000${NBSP}₸`))
    assert.doesNotMatch(html, /id="pay-form"/)
  })

  it('offers no link for phones that is not an http(s) link elsewhere than this page', async () => {
    for (const [id, url] of [
      ['PROCESSING02', 'javascript:alert(1)'],
      ['PROCESSING03', 'http://127.0.0.1/pay/PROCESSING03'],
      ['PROCESSING04', 'not a url'],
    ]) {
      fake.add({
        ...pendingPayment(id, 1_000, ''),
        status: 'processing',
        qr_code: 'https://qr.kaspi.kz/x',
        payment_url: url,
      })
      const html = (await get(`/pay/${id}`)).body
      assert.doesNotMatch(html, /id="phone-link"/, url)
      assert.doesNotMatch(html, /javascript:/, url)
    }
  })

  it('partially paid: what came in, what is left, and "Доплатить" with each method priced on the rest', async () => {
    // The seed's scenario 3: 100 000 with Gold chosen, paid by credit, 87 719 received, 12 281 left.
    fake.add({
      ...pendingPayment('PARTIAL00001', 100_000, 'Тур'),
      status: 'partially_paid',
      payment_method: 'kaspi_gold',
      paid_amount: 87_719,
      remaining_amount: 12_281,
    })
    const html = (await get('/pay/PARTIAL00001')).body
    const text = textOf(html)
    assert.match(text, /Оплачено не полностью/)
    assert.match(html, new RegExp(`<dd id="paid-amount">87${NBSP}719${NBSP}₸</dd>`))
    assert.match(html, new RegExp(`<dd id="remaining-amount">12${NBSP}281${NBSP}₸</dd>`))
    assert.match(html, />Доплатить<\/button>/)
    // 12 281 × 1.14 = 14 000.34, up to whole tenge: 14 001, i.e. 1 720 on top.
    assert.match(text, new RegExp(`\\+1${NBSP}720${NBSP}₸ комиссия 14`))
    assert.match(text, new RegExp(`14${NBSP}001${NBSP}₸`))
    assert.match(html, /value="kaspi_gold" checked/)
  })

  it('partially paid in credit money: each method priced on the net that is left (the seed’s scenario 4)', async () => {
    // Credit chosen on 100 000 (114 000), 100 000 paid by Gold: 14 000 left in credit money, 12 280,70 net.
    fake.add({
      ...pendingPayment('PARTIAL00002', 100_000, 'Тур'),
      status: 'partially_paid',
      payment_method: 'kaspi_kredit',
      amount: 114_000,
      paid_amount: 100_000,
      remaining_amount: 14_000,
    })
    const html = (await get('/pay/PARTIAL00002')).body
    const gold = /data-method="kaspi_gold"[\s\S]*?<\/label>/.exec(html)?.[0] ?? ''
    const credit = /data-method="kaspi_kredit"[\s\S]*?<\/label>/.exec(html)?.[0] ?? ''
    assert.match(textOf(gold), new RegExp(`12${NBSP}281${NBSP}₸\\s+без комиссии`))
    assert.match(textOf(credit), new RegExp(`14${NBSP}000${NBSP}₸\\s+\\+1${NBSP}719${NBSP}₸ комиссия 14`))
    assert.match(html, /value="kaspi_kredit" checked/)
  })

  it('the form posted without the script starts Kaspi through the API, then back to the page (303)', async () => {
    fake.add(pendingPayment('NOSCRIPT0001', 50_000, 'Тур'))
    const post = (url: string, payload: string) =>
      fake.app.inject({
        method: 'POST',
        url,
        payload,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })

    const missing = await post('/pay/NOSCRIPT0001', '')
    assert.equal(missing.statusCode, 422)
    assert.match(String(missing.headers['content-type']), /^text\/html/)
    assert.match(missing.body, /<p id="pay-error" class="error" role="alert">Выберите способ оплаты\.<\/p>/)

    fake.refuseKaspi({
      status: 400,
      body: { success: false, message: 'Все терминалы заняты', error_code: 400, code: 'TERMINALS_BUSY' },
    })
    try {
      const busy = await post('/pay/NOSCRIPT0001?lang=en', 'payment_method=kaspi_red')
      assert.equal(busy.statusCode, 422)
      assert.match(busy.body, /All terminals are busy/)
      assert.match(busy.body, /href="\/pay\/NOSCRIPT0001\?lang=ru"/)
    } finally {
      fake.refuseKaspi(undefined)
    }

    const started = await post('/pay/NOSCRIPT0001?lang=en', 'payment_method=kaspi_kredit')
    assert.equal(started.statusCode, 303)
    assert.equal(started.headers.location, '/pay/NOSCRIPT0001?lang=en')
    assert.deepEqual(fake.kaspiCalls.at(-1)?.body, { payment_method: 'kaspi_kredit' })
    const after = await get('/pay/NOSCRIPT0001')
    assert.match(after.body, /id="qr-image"/)

    const unknown = await post('/pay/UNKNOWN00000', 'payment_method=kaspi_gold')
    assert.equal(unknown.statusCode, 404)
    assert.match(String(unknown.headers['content-type']), /^text\/html/)
  })

  it('says clearly when a payment is paid, failed, cancelled or expired', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp, boolean]> = [
      ['PAID00000001', { status: 'paid', paid_amount: 50_000, remaining_amount: 0 }, /Оплачено\. Спасибо!/, false],
      [
        'PAID00000002',
        { status: 'paid', paid_amount: 49_600, remaining_amount: 0, written_off_amount: 400 },
        /Остаток списан\s*400 ₸/,
        false,
      ],
      ['FAILED000001', { status: 'failed' }, /Оплата не прошла/, true],
      ['CANCELLED001', { status: 'cancelled' }, /Платёж отменён/, false],
      ['EXPIRED00001', { status: 'expired' }, /Срок оплаты истёк/, false],
    ]
    for (const [id, patch, expected, payable] of cases) {
      fake.add({ ...pendingPayment(id, 50_000, 'Тур'), ...patch })
      const html = (await get(`/pay/${id}`)).body
      assert.match(textOf(html).replace(/\u00a0/g, ' '), expected, id)
      assert.equal(/id="pay-form"/.test(html), payable, id)
    }
  })
})

describe('GET /pay/{id} on the payments service', () => {
  let payments: Awaited<ReturnType<typeof startPayments>>
  before(async () => {
    payments = await startPayments()
  })
  after(() => payments.close())

  it('is registered, and an id the API does not know is a 404 page in HTML', async () => {
    const answer = await payments.app.inject({ method: 'GET', url: '/pay/A3F5D9E2B1C8' })
    assert.equal(answer.statusCode, 404)
    assert.match(String(answer.headers['content-type']), /^text\/html/)
    assert.match(answer.body, /Платёж не найден/)
    // The JSON API keeps its envelope: the page's 404 is only under /pay/.
    const api = await payments.app.inject({ method: 'GET', url: '/api/nothing-here' })
    assert.equal(api.json().code, 'NOT_FOUND')
  })
})
