/**
 * Webkassa API v4 as it travels (research/webkassa.md §1): JSON over POST, the integrator key in the `x-api-key`
 * header, the session token in the body as `Token`, and errors as HTTP 200 with `Errors[]`. PascalCase as sent.
 * Money is tenge with at most 2 decimals on the wire; inside Kokdala it is tiyn (`bigint`), converted at the edge.
 */

/** `OperationType` of a receipt. */
export const OPERATION_TYPES = { purchase: 0, purchaseReturn: 1, sale: 2, saleReturn: 3 } as const
export type OperationType = (typeof OPERATION_TYPES)[keyof typeof OPERATION_TYPES]

/** `PaymentType` of a receipt's payment line (each at most once per receipt). */
export const PAYMENT_TYPES = { cash: 0, card: 1, credit: 2, tare: 3, mobile: 4 } as const
export type PaymentType = (typeof PAYMENT_TYPES)[keyof typeof PAYMENT_TYPES]

/** `TaxType`: 0 no VAT, 100 VAT (every sample and driver uses 100, whatever the doc comment says). */
export type TaxType = 0 | 100

export interface WebkassaErrorItem {
  Code: number
  Text: string
}

/** Every answer: `Data` on success, `Errors` on failure (HTTP 200 either way). Code 14 may carry both. */
export interface WebkassaEnvelope<T> {
  Data?: T
  Errors?: WebkassaErrorItem[]
}

export interface AuthorizeRequest {
  Login: string
  Password: string
}
export interface AuthorizeData {
  Token: string
}

export interface CheckPosition {
  Count: number
  /** Tenge, 2 decimals. */
  Price: number
  TaxPercent: number
  /** VAT included in the line, tenge: round2(lineTotal × rate / (100 + rate)). */
  Tax: number
  TaxType: TaxType
  PositionName: string
  /** From RefUnits; 796 = pieces. */
  UnitCode: number
  PositionCode?: string
  Discount?: number
  Markup?: number
  SectionCode?: string
}

export interface CheckPayment {
  Sum: number
  PaymentType: PaymentType
}

export interface ReturnBasisDetails {
  CheckNumber: string
  /** ISO-8601 in the samples. */
  DateTime: string
  RegistrationNumber: string
  Total: number
  IsOffline: boolean
}

/** `POST /api/v4/check` body (besides `Token`). */
export interface CheckRequest {
  CashboxUniqueNumber: string
  OperationType: OperationType
  Positions: CheckPosition[]
  Payments: CheckPayment[]
  /** Default 2 (round positions): kept explicit to avoid the doc's ambiguity. */
  RoundType?: number
  /** The idempotency key: stable, ≤ 50 ASCII characters, never re-minted. */
  ExternalCheckNumber: string
  ExternalOrderNumber?: string
  CustomerEmail?: string
  CustomerPhone?: string
  Change?: number
  ReturnBasisDetails?: ReturnBasisDetails
}

export interface CheckCashbox {
  UniqueNumber: string
  RegistrationNumber: string
  IdentityNumber: string
  Address?: string
}

/** `POST /api/v4/check` answer `Data`. */
export interface CheckData {
  /** The fiscal sign (ФП). */
  CheckNumber: string
  /** `dd.MM.yyyy HH:mm:ss`, Kazakhstan time (UTC+5). */
  DateTime: string
  OfflineMode: boolean
  CashboxOfflineMode: boolean
  CheckOrderNumber: number
  ShiftNumber: number
  EmployeeName?: string
  TicketUrl: string
  TicketPrintUrl?: string
  Cashbox: CheckCashbox
}

/** `ZReport` / `XReport` answer `Data` (the fields we use; the real one has per-operation blocks too). */
export interface XZReportData {
  ReportNumber: number
  ShiftNumber: number
  CashboxSN: string
  StartOn: string
  ReportOn: string
  CloseOn?: string
  DocumentCount: number
  SumInCashbox: number
  OfflineMode: boolean
  CashboxOfflineMode: boolean
}

export interface CashboxShift {
  ShiftNumber: number
  OpenDate: string
  CloseDate?: string
}

/** One row of `Cashboxes` `Data.List`. */
export interface CashboxInfo {
  UniqueNumber: string
  RegistrationNumber: string
  IdentificationNumber: string
  Name: string
  IsOffline: boolean
  /** 0 created, 1 active, 2 blocked by OFD, 4 data integrity broken, 5 deregistered. */
  CurrentStatus: number
  Shift?: CashboxShift
}

export interface CashboxesData {
  List: CashboxInfo[]
}

export interface ShiftHistoryData {
  Skip: number
  Take: number
  Total: number
  Shifts: CashboxShift[]
}

/** One row of `Check/History` (paged, `Take` ≤ 50). */
export interface CheckHistoryItem {
  Number: string
  ExternalCheckNumber: string
  IsOffline: boolean
  Total: number
  OperationType: OperationType
  RegistratedOn: string
  CheckOrderNumber: number
}

export interface CheckHistoryData {
  Skip: number
  Take: number
  Total: number
  Items: CheckHistoryItem[]
}

/** `MoneyOperation` `OperationType`: 0 deposit, 1 withdrawal. */
export const MONEY_OPERATION_TYPES = { deposit: 0, withdrawal: 1 } as const
export type MoneyOperationType = (typeof MONEY_OPERATION_TYPES)[keyof typeof MONEY_OPERATION_TYPES]

/** `POST /api/v4/MoneyOperation` body (besides `Token`). */
export interface MoneyOperationRequest {
  CashboxUniqueNumber: string
  OperationType: MoneyOperationType
  /** Tenge, 2 decimals, > 0. */
  Sum: number
  /** Idempotency key, like a receipt's (code 14 on repeat). */
  ExternalCheckNumber: string
}

/** `MoneyOperation` answer `Data`: `Sum` is the cash balance afterwards, not the operation's amount. */
export interface MoneyOperationData {
  OfflineMode: boolean
  CashboxOfflineMode: boolean
  ShiftNumber: number
  DateTime: string
  Sum: number
  Cashbox: CheckCashbox
}
