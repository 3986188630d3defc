//! The shipping rule and the quote: what the checkout page shows before it
//! asks for the card, and exactly what the card is then authorised for.
//!
//! One rule, one place: [`ShippingRule::for_currency`] is used to price the
//! cart ([`super::cart::Cart::price`]) and to explain the threshold on the
//! page ("Free shipping from €50.00"), so the explanation cannot drift from
//! the charge.

use serde::{Deserialize, Serialize};

use super::cart::{PricedCart, PricedLine};
use super::money::{Currency, Money};

/// Flat shipping below a threshold, free from it (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingRule {
    /// Charged when the subtotal is below `free_from`.
    pub flat: Money,
    /// Subtotal from which shipping is free.
    pub free_from: Money,
}

impl ShippingRule {
    /// The rule in `currency`, in whole units of that currency: 5 / 50 for
    /// the euro, dollar, pound and franc; 50 / 500 kronor; ¥500 / ¥5000.
    pub fn for_currency(currency: Currency) -> ShippingRule {
        let (flat, free_from) = match currency {
            Currency::Eur | Currency::Usd | Currency::Gbp | Currency::Chf => (5, 50),
            Currency::Sek => (50, 500),
            Currency::Jpy => (500, 5000),
        };
        let unit = 10_i64.pow(currency.exponent());
        ShippingRule {
            flat: Money::new(flat * unit, currency),
            free_from: Money::new(free_from * unit, currency),
        }
    }

    /// Shipping for `subtotal` (in the subtotal's currency).
    pub fn charge(&self, subtotal: Money) -> Money {
        if subtotal.amount >= self.free_from.amount {
            Money::zero(subtotal.currency)
        } else {
            self.flat
        }
    }
}

/// A priced cart as the checkout page shows it: lines, subtotal, shipping
/// (with the rule that decided it) and the total the card will be
/// authorised for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    /// The lines, priced from the table.
    pub lines: Vec<PricedLine>,
    /// Sum of the lines.
    pub subtotal: Money,
    /// Shipping charge.
    pub shipping: Money,
    /// What the card will be authorised for: subtotal + shipping.
    pub total: Money,
    /// Subtotal from which shipping is free.
    pub free_shipping_from: Money,
    /// How much more would make shipping free (`None` once it is free).
    pub to_free_shipping: Option<Money>,
    /// The rule in words, e.g. "Free shipping from €50.00".
    pub shipping_note: String,
}

impl Quote {
    /// The quote for a priced cart.
    pub fn of(priced: &PricedCart) -> Quote {
        let rule = ShippingRule::for_currency(priced.subtotal.currency);
        let missing = rule.free_from.amount - priced.subtotal.amount;
        let to_free_shipping = (missing > 0).then(|| Money::new(missing, priced.subtotal.currency));
        let shipping_note = match to_free_shipping {
            None => format!("Free shipping from {}: yours ships free", rule.free_from),
            Some(more) => format!(
                "Free shipping from {} ({} more to go)",
                rule.free_from, more
            ),
        };
        Quote {
            lines: priced.lines.clone(),
            subtotal: priced.subtotal,
            shipping: priced.shipping,
            total: priced.total,
            free_shipping_from: rule.free_from,
            to_free_shipping,
            shipping_note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(a: i64) -> Money {
        Money::new(a, Currency::Eur)
    }

    #[test]
    fn threshold_edges_in_euro() {
        let rule = ShippingRule::for_currency(Currency::Eur);
        assert_eq!(rule.charge(eur(4999)), eur(500), "one cent below");
        assert_eq!(rule.charge(eur(5000)), eur(0), "at the threshold");
        assert_eq!(rule.charge(eur(5001)), eur(0), "above");
        assert_eq!(rule.charge(eur(1)), eur(500));
    }

    #[test]
    fn every_currency_has_a_rule_in_its_own_units() {
        let cases = [
            (Currency::Usd, 500, 5000),
            (Currency::Gbp, 500, 5000),
            (Currency::Chf, 500, 5000),
            (Currency::Sek, 5000, 50000),
            (Currency::Jpy, 500, 5000),
        ];
        for (c, flat, free) in cases {
            let rule = ShippingRule::for_currency(c);
            assert_eq!(rule.flat, Money::new(flat, c), "{c:?}");
            assert_eq!(rule.free_from, Money::new(free, c), "{c:?}");
            assert_eq!(rule.charge(Money::new(free - 1, c)), Money::new(flat, c));
            assert_eq!(rule.charge(Money::new(free, c)), Money::zero(c));
        }
    }

    fn priced(subtotal: Money) -> PricedCart {
        let shipping = ShippingRule::for_currency(subtotal.currency).charge(subtotal);
        PricedCart {
            lines: vec![],
            subtotal,
            shipping,
            total: subtotal.checked_add(shipping).unwrap(),
        }
    }

    #[test]
    fn the_quote_explains_the_threshold() {
        let below = Quote::of(&priced(eur(1500)));
        assert_eq!(below.total, eur(2000));
        assert_eq!(below.to_free_shipping, Some(eur(3500)));
        assert_eq!(
            below.shipping_note,
            "Free shipping from €50.00 (€35.00 more to go)"
        );
        let at = Quote::of(&priced(eur(5000)));
        assert_eq!((at.shipping, at.total), (eur(0), eur(5000)));
        assert_eq!(at.to_free_shipping, None);
        assert!(
            at.shipping_note.contains("ships free"),
            "{}",
            at.shipping_note
        );
        let yen = Quote::of(&priced(Money::new(4999, Currency::Jpy)));
        assert_eq!(yen.total, Money::new(5499, Currency::Jpy));
        assert_eq!(yen.free_shipping_from, Money::new(5000, Currency::Jpy));
    }
}
