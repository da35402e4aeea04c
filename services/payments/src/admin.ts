import { adminTokenScheme as coreAdminTokenScheme } from '@kokdala/core'

/** The OpenAPI security scheme of the admin API (`createApp({ securitySchemes })`). */
export const adminTokenScheme = coreAdminTokenScheme('PAYMENTS_ADMIN_TOKEN')

// The guard is core's; payments' catalogue words its two codes (ADMIN_API_DISABLED names PAYMENTS_ADMIN_TOKEN).
export { requireAdminToken } from '@kokdala/core'
