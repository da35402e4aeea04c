-- Payment methods and their commission: data, not code (the seed's guide has Gold/Red at 0 %, its origin at 1 %).
-- Rates are integer basis points (1400 = 14 %); the fee model is "markup on net": the commission is added on top.
CREATE TABLE payment_method (
  id smallint PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('card', 'credit', 'installment')),
  -- What Kaspi's terminal reports as `addInfo.ProductType` when the customer pays this way.
  product_type text NOT NULL,
  icon_emoji text NOT NULL,
  commission_bp integer NOT NULL CHECK (commission_bp BETWEEN 0 AND 10000),
  installment_months text,
  active boolean NOT NULL DEFAULT true,
  sort_order smallint NOT NULL
);

-- Spellings of the seed's origin implementation, accepted beside the guide's codes.
CREATE TABLE payment_method_alias (
  alias text PRIMARY KEY,
  method_id smallint NOT NULL REFERENCES payment_method (id)
);

INSERT INTO payment_method (id, code, name, type, product_type, icon_emoji, commission_bp, installment_months, sort_order) VALUES
  (1, 'kaspi_gold', 'Kaspi Gold', 'card', 'Gold', '💳', 0, NULL, 1),
  (2, 'kaspi_red', 'Kaspi Red', 'card', 'Red', '💳', 0, NULL, 2),
  (3, 'kaspi_kredit', 'Kaspi Кредит', 'credit', 'Credit', '💰', 1400, NULL, 3),
  (4, 'kaspi_rassrochka', 'Kaspi Рассрочка', 'installment', 'Installment', '📅', 1400, '3,6,12', 4);

INSERT INTO payment_method_alias (alias, method_id) VALUES
  ('kaspi_credit', 3),
  ('kaspi_installment_12', 4),
  ('kaspi_installment_24', 4);
