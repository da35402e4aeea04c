export { signWebhook, verifyWebhookSignature } from './signature.ts'
export { paymentInitToken, requestToken, tokenSource } from './token.ts'
