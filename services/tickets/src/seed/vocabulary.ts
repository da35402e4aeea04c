// The HackLoad 2025 generators' vocabulary, copied from shared/hackload-data/dataset-facts.md. The graders'
// archive search phrases (концерт, Дмитрий Козлов, азарт, Чемпионат, Красная шапочка, Экспозиция "Звездные войны")
// only find anything because these exact words are here, so keep them verbatim.

/** Placeholders: {T} a title (film, play or game, by list), {S} a game show, {P} a person, {N} an anniversary. */
export interface TemplateSet {
  type: string
  templates: readonly string[]
}

export const USER_DOMAINS = [
  'cool.ti',
  'grab.coffee',
  'hackhload.kz',
  'ticket.world',
  'event.me',
  'quick.pass',
  'show.go',
  'concert.fun',
  'fest.tix',
  'live.now',
] as const

/** The concert the whole HackLoad contest is about; the teams' fixture fixes its id, text and start. */
export const CONCERT_EVENT = {
  id: 1,
  title: 'Концерт мировой звезды Селеста Морейра из Лусарии',
  description:
    'В нашу сказочную Көкдалу прилетает мировая музыкальная звезда Селеста Морейра из большой соседней страны ' +
    'Лусария. Ее выступление будет проходить на центральном стадионе, который вмещает в себя 100 тысяч зрителей.',
  type: 'concert',
  startsAt: '2025-12-15 20:00:00',
  provider: 'Билеттер',
} as const

// ---- Active events (ids 1..10 000) ----

export const ACTIVE_EVENT_COUNT = 10_000
export const ACTIVE_PROVIDERS = ['TicketRu', 'EventWorld', 'ShowTime'] as const
export const ACTIVE_HOURS = [18, 19, 20, 21] as const
export const MINUTES = [0, 15, 30, 45] as const

export const ACTIVE_FIRST_NAMES = [
  'Георгий',
  'Алексей',
  'Дмитрий',
  'Владимир',
  'Андрей',
  'Сергей',
  'Михаил',
  'Николай',
  'Иван',
  'Александр',
  'Анна',
  'Елена',
  'Мария',
  'Ольга',
  'Татьяна',
  'Ирина',
  'Наталья',
  'Светлана',
  'Екатерина',
  'Юлия',
] as const

export const ACTIVE_SURNAMES = [
  'Шванидзе',
  'Петров',
  'Иванов',
  'Смирнов',
  'Кузнецов',
  'Попов',
  'Васильев',
  'Соколов',
  'Михайлов',
  'Новиков',
] as const

export const MOVIES = [
  'Московские каникулы',
  'Северная история',
  'Тайна старого города',
  'Весенние грезы',
  'Последний рейс',
  'Золотая осень',
  'Белые ночи',
  'Красная площадь',
  'Синий экспресс',
  'Зеленая миля',
  'Черное море',
  'Серебряный век',
  'Бронзовая птица',
  'Алые паруса',
] as const

export const PLAYS = [
  'Три сестры',
  'Вишневый сад',
  'Дядя Ваня',
  'Чайка',
  'Ревизор',
  'Горе от ума',
  'Евгений Онегин',
  'Война и мир',
  'Анна Каренина',
  'Мастер и Маргарита',
] as const

export const GAMES = [
  'Что? Где? Когда?',
  'Поле чудес',
  'КВН',
  'Брейн-ринг',
  'Своя игра',
  'Умники и умницы',
  'Форт Боярд',
  'Последний герой',
  'Дом-2',
  'Голос',
] as const

/** Active templates by type, with the list each type's {T} is drawn from. */
export const ACTIVE_TEMPLATES: readonly (TemplateSet & { titles: readonly string[] })[] = [
  {
    type: 'film',
    titles: MOVIES,
    templates: [
      'Премьера фильма "{T}" с участием {P}',
      'Киносеанс "{T}" режиссера {P}',
      'Показ картины "{T}" с {P} в главной роли',
    ],
  },
  {
    type: 'cinema',
    titles: MOVIES,
    templates: ['Кинопоказ "{T}" в честь {P}', 'Фестиваль фильмов с участием {P}', 'Специальный показ "{T}" с {P}'],
  },
  {
    type: 'stage',
    titles: PLAYS,
    templates: [
      'Концерт {P} в честь {N}-летия на сцене',
      'Театральная постановка "{T}" с {P}',
      'Музыкальный вечер {P} и друзей',
      'Сольный концерт {P}',
      'Спектакль "{T}" в исполнении {P}',
    ],
  },
  {
    type: 'game',
    titles: GAMES,
    templates: [
      'Турнир по {T} с участием {P}',
      'Чемпионат "{T}" под руководством {P}',
      'Игровое шоу "{T}" с ведущим {P}',
    ],
  },
]

const SHARED_DESCRIPTIONS = {
  family:
    'Уникальное мероприятие для всей семьи. Не пропустите яркое шоу с участием известных артистов и незабываемые впечатления.',
  gripping:
    'Захватывающее представление, которое оставит неизгладимые воспоминания. Профессиональные актеры и великолепная постановка.',
  culture:
    'Культурное событие высочайшего уровня. Изысканная программа для истинных ценителей искусства и прекрасного.',
  fun: 'Развлекательная программа для всех возрастов. Веселье, смех и позитивные эмоции обеспечены каждому зрителю.',
}

export const ACTIVE_DESCRIPTIONS = [
  SHARED_DESCRIPTIONS.family,
  SHARED_DESCRIPTIONS.gripping,
  'Эксклюзивное событие с участием звезд российской эстрады. Атмосферное шоу в лучших традициях отечественного искусства.',
  'Премьерный показ долгожданной новинки. Первоклассная режиссура и блестящая игра актеров гарантируют успех.',
  SHARED_DESCRIPTIONS.culture,
  SHARED_DESCRIPTIONS.fun,
  'Торжественное мероприятие в честь знаменательной даты. Праздничная атмосфера и незабываемые моменты.',
  'Интерактивное шоу с участием зрителей. Возможность стать частью представления и получить ценные призы.',
] as const

// ---- Archive events (ids 100 000..) ----

export const ARCHIVE_FIRST_ID = 100_000
export const ARCHIVE_FIRST_DAY = '2015-01-01'
export const ARCHIVE_LAST_DAY = '2024-12-30'
export const ARCHIVE_PROVIDERS = ['TicketRu', 'EventWorld', 'ShowTime', 'CultureCity', 'SportHub'] as const
/** Start hours and their weights (percent). */
export const ARCHIVE_HOURS = [
  [17, 10],
  [18, 20],
  [19, 30],
  [20, 25],
  [21, 10],
  [22, 5],
] as const

export const ARCHIVE_PERSONS = [
  'Андрей Смирнов',
  'Владимир Смирнов',
  'Анна Иванов',
  'Михаил Петров',
  'Елена Смирнов',
  'Дмитрий Козлов',
  'Ольга Сидорова',
  'Алексей Морозов',
  'Татьяна Волкова',
  'Сергей Лебедев',
  'Мария Соколова',
  'Николай Орлов',
] as const

export const ARCHIVE_FILMS = [
  'Тайна старого города',
  'Зеленая миля',
  'Алые паруса',
  'Белые ночи',
  'Черный квадрат',
  'Золотая осень',
  'Синяя птица',
  'Красная шапочка',
  'Звездные войны',
  'Матрица',
  'Титаник',
  'Аватар',
  'Гладиатор',
] as const

export const ARCHIVE_SHOWS = [
  'Форт Боярд',
  'Своя игра',
  'Что? Где? Когда?',
  'Поле чудес',
  'Кто хочет стать миллионером?',
  'Умники и умницы',
  'Брейн ринг',
] as const

export const ARCHIVE_TEMPLATES: readonly TemplateSet[] = [
  {
    type: 'film',
    templates: [
      'Премьера фильма "{T}" с участием {P}',
      'Показ картины "{T}" с {P} в главной роли',
      'Киносеанс "{T}" режиссера {P}',
      'Кинопоказ "{T}" в честь {P}',
    ],
  },
  {
    type: 'game',
    templates: [
      'Игровое шоу "{S}" с ведущим {P}',
      'Телешоу "{S}" при участии {P}',
      'Интеллектуальная игра "{S}" с {P}',
    ],
  },
  {
    type: 'cinema',
    templates: ['Кинопоказ "{T}" в честь {P}', 'Киномарафон "{T}" с {P}', 'Ретроспектива "{T}" посвященная {P}'],
  },
  {
    type: 'concert',
    templates: ['Концерт {P}', 'Сольный концерт {P}', 'Музыкальный вечер с {P}', 'Гала-концерт {P}'],
  },
  {
    type: 'theater',
    templates: [
      'Спектакль "{T}" с {P}',
      'Театральная постановка "{T}" при участии {P}',
      'Премьера спектакля "{T}" с {P} в главной роли',
    ],
  },
  {
    type: 'sport',
    templates: ['Спортивное соревнование с участием {P}', 'Турнир памяти {P}', 'Чемпионат города при поддержке {P}'],
  },
  {
    type: 'exhibition',
    templates: ['Выставка работ {P}', 'Персональная выставка {P}', 'Экспозиция "{T}" куратор {P}'],
  },
]

export const ARCHIVE_DESCRIPTIONS = [
  SHARED_DESCRIPTIONS.family,
  SHARED_DESCRIPTIONS.gripping,
  SHARED_DESCRIPTIONS.culture,
  SHARED_DESCRIPTIONS.fun,
  'Незабываемое шоу с потрясающими спецэффектами. Мастерство исполнителей поразит даже самых требовательных зрителей.',
  'Увлекательное мероприятие для любителей интеллектуальных развлечений. Атмосфера азарта и соперничества гарантирована.',
  'Грандиозное событие, которое станет настоящим праздником для души. Яркие эмоции и восторженные отзывы публики.',
] as const

/** Replaces the {T}/{S}/{P}/{N} placeholders of a template. */
export function fillTemplate(template: string, values: { T?: string; S?: string; P: string; N?: number }): string {
  return template.replace(/\{([TSPN])\}/g, (_, key: 'T' | 'S' | 'P' | 'N') => {
    const value = values[key]
    if (value === undefined) throw new Error(`template "${template}" needs {${key}}`)
    return String(value)
  })
}
