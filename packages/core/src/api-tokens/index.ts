export * from './guard.ts'
export * from './routes.ts'
export * from './schemas.ts'
export * from './store.ts'
