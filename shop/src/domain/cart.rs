//! Carts and server-side pricing: the browser says what and how many, the
//! table says at what price and whether there is enough.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::money::{Currency, Money, MoneyError};
use super::product::{Product, ProductStatus};
use super::quote::ShippingRule;
use super::sku::{IdError, Sku};

/// Most units of one product in one order.
pub const MAX_QUANTITY: i64 = 99;
/// Most distinct lines in one cart: a checkout reserves every line in one
/// DynamoDB transaction (at most 100 items) with two items per line (the
/// product's stock check and its reservation counter) plus the idempotency
/// claim, the checkout and its reservation record.
pub const MAX_LINES: usize = 48;

/// A cart line as the browser sends it: untrusted.
///
/// Any price the browser might add is not even a field here: pricing always
/// comes from the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLineInput {
    /// SKU text, validated by [`Cart::from_input`].
    pub sku: String,
    /// Requested quantity, validated by [`Cart::from_input`].
    pub quantity: i64,
}

/// A validated cart line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// What.
    pub sku: Sku,
    /// How many, 1..=99.
    pub quantity: u32,
}

/// A validated cart: at least one line, each SKU once, quantities in range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    lines: Vec<CartLine>,
}

/// Why a cart was refused before or during pricing. Each is distinct so the
/// API can say exactly what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    /// Nothing to buy.
    #[error("the cart is empty")]
    Empty,
    /// Too many distinct products.
    #[error("the cart has {0} lines; at most {MAX_LINES} are allowed")]
    TooManyLines(usize),
    /// A SKU that is not well-formed.
    #[error(transparent)]
    MalformedSku(#[from] IdError),
    /// Quantity 0, negative, or above the limit.
    #[error("quantity {quantity} for {sku} is out of range: order between 1 and {MAX_QUANTITY}")]
    Quantity {
        /// The line's SKU.
        sku: String,
        /// The quantity given.
        quantity: i64,
    },
    /// A SKU the catalogue does not have.
    #[error("unknown product {0}")]
    UnknownSku(Sku),
    /// A product the owner has withdrawn.
    #[error("product {0} is no longer sold")]
    Retired(Sku),
    /// Not enough on the shelf.
    #[error("only {available} of {sku} left, {requested} requested")]
    InsufficientStock {
        /// The line's SKU.
        sku: Sku,
        /// Quantity asked for.
        requested: u32,
        /// Units on the shelf.
        available: u32,
    },
    /// Lines priced in different currencies, or a total too large.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl Cart {
    /// Validates browser input. Repeated SKUs are merged (their quantities
    /// added, then range-checked), so a cart never holds a SKU twice.
    pub fn from_input(lines: &[CartLineInput]) -> Result<Cart, CartError> {
        if lines.is_empty() {
            return Err(CartError::Empty);
        }
        if lines.len() > MAX_LINES {
            return Err(CartError::TooManyLines(lines.len()));
        }
        let mut merged: BTreeMap<Sku, i64> = BTreeMap::new();
        let mut order = Vec::new();
        for line in lines {
            let sku = Sku::parse(&line.sku)?;
            if line.quantity < 1 || line.quantity > MAX_QUANTITY {
                return Err(CartError::Quantity {
                    sku: sku.to_string(),
                    quantity: line.quantity,
                });
            }
            let q = merged.entry(sku.clone()).or_insert_with(|| {
                order.push(sku.clone());
                0
            });
            *q += line.quantity;
            if *q > MAX_QUANTITY {
                return Err(CartError::Quantity {
                    sku: sku.to_string(),
                    quantity: *q,
                });
            }
        }
        let lines = order
            .into_iter()
            .map(|sku| {
                let quantity = merged[&sku] as u32;
                CartLine { sku, quantity }
            })
            .collect();
        Ok(Cart { lines })
    }

    /// The lines, in the order the shopper added them.
    pub fn lines(&self) -> &[CartLine] {
        &self.lines
    }

    /// The SKUs to look up for pricing.
    pub fn skus(&self) -> Vec<Sku> {
        self.lines.iter().map(|l| l.sku.clone()).collect()
    }

    /// Prices the cart against products read from the table.
    ///
    /// Refuses unknown, retired and short-stocked products and mixed
    /// currencies. Stock is checked here for a friendly early answer; the
    /// real guarantee is the conditional decrement when the order is confirmed.
    pub fn price(&self, products: &HashMap<Sku, Product>) -> Result<PricedCart, CartError> {
        let mut lines = Vec::with_capacity(self.lines.len());
        let mut currency: Option<Currency> = None;
        for line in &self.lines {
            let product = products
                .get(&line.sku)
                .ok_or_else(|| CartError::UnknownSku(line.sku.clone()))?;
            if product.status == ProductStatus::Retired {
                return Err(CartError::Retired(line.sku.clone()));
            }
            if product.stock < line.quantity {
                return Err(CartError::InsufficientStock {
                    sku: line.sku.clone(),
                    requested: line.quantity,
                    available: product.stock,
                });
            }
            let c = *currency.get_or_insert(product.price.currency);
            if c != product.price.currency {
                return Err(MoneyError::CurrencyMismatch {
                    left: c,
                    right: product.price.currency,
                }
                .into());
            }
            lines.push(PricedLine {
                sku: line.sku.clone(),
                name: product.name.clone(),
                unit_price: product.price,
                quantity: line.quantity,
                line_total: product.price.checked_mul(line.quantity)?,
            });
        }
        let currency = currency.ok_or(CartError::Empty)?;
        let subtotal = Money::sum(currency, lines.iter().map(|l| l.line_total))?;
        let shipping = shipping_for(subtotal);
        let total = subtotal.checked_add(shipping)?;
        Ok(PricedCart {
            lines,
            subtotal,
            shipping,
            total,
        })
    }
}

/// Shipping for `subtotal`: the currency's [`ShippingRule`] (flat below
/// its threshold, free from it).
pub fn shipping_for(subtotal: Money) -> Money {
    ShippingRule::for_currency(subtotal.currency).charge(subtotal)
}

/// One priced line: a snapshot of name and price at checkout time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PricedLine {
    /// What.
    pub sku: Sku,
    /// Name at checkout time.
    pub name: String,
    /// Unit price at checkout time.
    pub unit_price: Money,
    /// How many.
    pub quantity: u32,
    /// `unit_price × quantity`.
    pub line_total: Money,
}

/// A cart priced from the table: what the shopper will be charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PricedCart {
    /// The lines.
    pub lines: Vec<PricedLine>,
    /// Sum of the lines.
    pub subtotal: Money,
    /// Shipping charge.
    pub shipping: Money,
    /// What is authorised on the card.
    pub total: Money,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sku::Category;

    fn product(sku: &str, price: i64, currency: Currency, stock: u32) -> Product {
        Product {
            sku: Sku::parse(sku).unwrap(),
            name: format!("Product {sku}"),
            description: String::new(),
            category: Category::parse("misc").unwrap(),
            price: Money::new(price, currency),
            stock,
            status: ProductStatus::Active,
            images: vec![],
            featured: false,
            version: 1,
        }
    }

    fn catalogue(items: Vec<Product>) -> HashMap<Sku, Product> {
        items.into_iter().map(|p| (p.sku.clone(), p)).collect()
    }

    fn input(lines: &[(&str, i64)]) -> Vec<CartLineInput> {
        lines
            .iter()
            .map(|(s, q)| CartLineInput {
                sku: s.to_string(),
                quantity: *q,
            })
            .collect()
    }

    #[test]
    fn prices_from_the_catalogue() {
        let cart = Cart::from_input(&input(&[("A1", 2), ("B2", 1)])).unwrap();
        let priced = cart
            .price(&catalogue(vec![
                product("A1", 1000, Currency::Eur, 5),
                product("B2", 250, Currency::Eur, 1),
            ]))
            .unwrap();
        assert_eq!(priced.subtotal, Money::new(2250, Currency::Eur));
        assert_eq!(priced.shipping, Money::new(500, Currency::Eur));
        assert_eq!(priced.total, Money::new(2750, Currency::Eur));
        assert_eq!(priced.lines[0].line_total, Money::new(2000, Currency::Eur));
    }

    #[test]
    fn free_shipping_above_threshold() {
        let cart = Cart::from_input(&input(&[("A1", 5)])).unwrap();
        let priced = cart
            .price(&catalogue(vec![product("A1", 1000, Currency::Usd, 5)]))
            .unwrap();
        assert_eq!(priced.shipping.amount, 0);
        assert_eq!(priced.total.amount, 5000);
    }

    #[test]
    fn merges_repeated_skus() {
        let cart = Cart::from_input(&input(&[("a1", 2), ("A1", 3)])).unwrap();
        assert_eq!(
            cart.lines(),
            &[CartLine {
                sku: Sku::parse("A1").unwrap(),
                quantity: 5
            }]
        );
        assert!(matches!(
            Cart::from_input(&input(&[("A1", 60), ("A1", 60)])),
            Err(CartError::Quantity { quantity: 120, .. })
        ));
    }

    #[test]
    fn refuses_bad_input_with_distinct_errors() {
        assert_eq!(Cart::from_input(&[]), Err(CartError::Empty));
        assert!(matches!(
            Cart::from_input(&input(&[("A1", 0)])),
            Err(CartError::Quantity { quantity: 0, .. })
        ));
        assert!(matches!(
            Cart::from_input(&input(&[("A1", -3)])),
            Err(CartError::Quantity { quantity: -3, .. })
        ));
        assert!(matches!(
            Cart::from_input(&input(&[("A1", 100)])),
            Err(CartError::Quantity { quantity: 100, .. })
        ));
        assert!(matches!(
            Cart::from_input(&input(&[("A1", i64::MAX)])),
            Err(CartError::Quantity { .. })
        ));
        assert!(matches!(
            Cart::from_input(&input(&[("bad sku!", 1)])),
            Err(CartError::MalformedSku(_))
        ));
        let many: Vec<_> = (0..49)
            .map(|i| CartLineInput {
                sku: format!("S{i}"),
                quantity: 1,
            })
            .collect();
        assert_eq!(Cart::from_input(&many), Err(CartError::TooManyLines(49)));
        let msg = Cart::from_input(&input(&[("A1", 1000)]))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("1000") && msg.contains("A1"), "{msg}");
    }

    #[test]
    fn refuses_unknown_retired_short_and_mixed() {
        let mut retired = product("R1", 100, Currency::Eur, 5);
        retired.status = ProductStatus::Retired;
        let cat = catalogue(vec![
            product("A1", 100, Currency::Eur, 1),
            product("U1", 100, Currency::Usd, 5),
            retired,
        ]);
        let price = |lines: &[(&str, i64)]| Cart::from_input(&input(lines)).unwrap().price(&cat);
        assert!(matches!(price(&[("ZZ", 1)]), Err(CartError::UnknownSku(_))));
        assert!(matches!(price(&[("R1", 1)]), Err(CartError::Retired(_))));
        assert_eq!(
            price(&[("A1", 2)]),
            Err(CartError::InsufficientStock {
                sku: Sku::parse("A1").unwrap(),
                requested: 2,
                available: 1
            })
        );
        assert!(matches!(
            price(&[("A1", 1), ("U1", 1)]),
            Err(CartError::Money(MoneyError::CurrencyMismatch { .. }))
        ));
    }

    #[test]
    fn refuses_overflowing_totals() {
        let cart = Cart::from_input(&input(&[("A1", 99)])).unwrap();
        let err = cart
            .price(&catalogue(vec![product(
                "A1",
                i64::MAX / 10,
                Currency::Eur,
                99,
            )]))
            .unwrap_err();
        assert_eq!(err, CartError::Money(MoneyError::Overflow));
    }
}
