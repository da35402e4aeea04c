import { adminTokenScheme as coreAdminTokenScheme } from '@kokdala/core'

/** The OpenAPI security scheme of the admin API (`createApp({ securitySchemes })`). */
export const adminTokenScheme = coreAdminTokenScheme('FISCAL_ADMIN_TOKEN')

// The guard is core's (shared with payments); fiscal's catalogue words its two codes.
export { requireAdminToken } from '@kokdala/core'
