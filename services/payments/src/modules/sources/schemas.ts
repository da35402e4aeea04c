import { Type } from 'typebox'

const Name = Type.String({ minLength: 1, maxLength: 64, description: 'Имя источника: латиница, цифры, _ . -' })
const Time = Type.String({ format: 'date-time' })

export const CreateTokenBody = Type.Object({ source: Name }, { additionalProperties: false })
export const SourceParams = Type.Object({ name: Name })

const Issued = Type.Object({
  source: Type.String(),
  token_id: Type.Integer(),
  token: Type.String({ description: '64 символа; показывается один раз, нигде не хранится' }),
  display_prefix: Type.String(),
})

export const IssuedTokenResponse = Type.Object({ success: Type.Literal(true), message: Type.String(), data: Issued })

export const RotatedTokenResponse = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  data: Type.Intersect([Issued, Type.Object({ revoked: Type.Integer() })]),
})

export const RevokedResponse = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  data: Type.Object({ source: Type.String(), revoked: Type.Integer() }),
})

export const SourceListResponse = Type.Object({
  success: Type.Literal(true),
  data: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      created_at: Time,
      tokens: Type.Array(
        Type.Object({
          id: Type.Integer(),
          display_prefix: Type.String(),
          active: Type.Boolean(),
          created_at: Time,
          last_used_at: Type.Union([Time, Type.Null()]),
        }),
      ),
    }),
  ),
})
