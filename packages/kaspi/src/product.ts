import { KASPI_PRODUCT_TYPES, type KaspiProductType } from './wire.ts'

/** Our payment method codes (the seed's), as the payments service's `payment_method` table names them. */
export type KaspiMethodCode = 'kaspi_gold' | 'kaspi_red' | 'kaspi_kredit' | 'kaspi_rassrochka'

const METHOD_OF_PRODUCT: Record<KaspiProductType, KaspiMethodCode> = {
  Gold: 'kaspi_gold',
  Red: 'kaspi_red',
  Credit: 'kaspi_kredit',
  // A loan is money lent for the purchase: paid, and charged, as credit.
  Loan: 'kaspi_kredit',
  Installment: 'kaspi_rassrochka',
}

/** Whether a value is one of the product types the terminal reports. */
export function isKaspiProductType(value: unknown): value is KaspiProductType {
  return typeof value === 'string' && (KASPI_PRODUCT_TYPES as readonly string[]).includes(value)
}

/**
 * The method a terminal's `addInfo.ProductType` means (`Gold` → `kaspi_gold`, `Credit`/`Loan` → `kaspi_kredit`,
 * `Installment` → `kaspi_rassrochka`); undefined for a product type we do not know, which the caller must not guess.
 */
export function methodOfProductType(productType: unknown): KaspiMethodCode | undefined {
  return isKaspiProductType(productType) ? METHOD_OF_PRODUCT[productType] : undefined
}
