export { html, type Markup, renderDocument } from './html.ts'
export {
  DEFAULT_LANGUAGE,
  defineMessages,
  isLanguage,
  LANGUAGE_NAMES,
  LANGUAGES,
  type Language,
  type Message,
  type MessagesOf,
  type Translation,
} from './i18n.ts'
export {
  chooseLanguage,
  LANGUAGE_COOKIE,
  type LanguageClues,
  type LanguageSource,
  type RequestLanguageOptions,
  requestLanguage,
} from './language.ts'
export { BASE_CSS, Layout, type LayoutProps, ModuleScript, openPage, type Page } from './layout.ts'
export { createLiveHub, type LiveHub, type LiveSocket, SLOW_CONSUMER_BYTES } from './live/hub.ts'
export { type LiveChannelOptions, liveChannel } from './live/plugin.ts'
export { CONTENT_SECURITY_POLICY, sendPage, webPages } from './pages.ts'
