//! Money as integer minor units with an ISO 4217 currency, never a float.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a money operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Two amounts in different currencies cannot be combined.
    #[error("cannot combine {left} and {right}: currencies differ")]
    CurrencyMismatch {
        /// The currency of the left operand.
        left: Currency,
        /// The currency of the right operand.
        right: Currency,
    },
    /// The result does not fit in the amount type.
    #[error("amount overflow")]
    Overflow,
    /// The text is not a supported ISO 4217 currency code.
    #[error("unsupported currency {0:?}: expected one of {list}", list = Currency::SUPPORTED_CODES.join(", "))]
    UnknownCurrency(String),
    /// A price or total may not be negative.
    #[error("amount {0} is negative")]
    Negative(i64),
}

/// An ISO 4217 currency the shop can sell in.
///
/// A closed list, because each currency needs its minor-unit exponent and
/// display symbol to be right, and Stripe wants the lowercase code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Currency {
    /// Euro.
    Eur,
    /// US dollar.
    Usd,
    /// Pound sterling.
    Gbp,
    /// Swiss franc.
    Chf,
    /// Swedish krona.
    Sek,
    /// Japanese yen (no minor unit).
    Jpy,
}

impl Currency {
    /// The codes accepted by [`Currency::from_str`], for error messages.
    pub const SUPPORTED_CODES: [&'static str; 6] = ["EUR", "USD", "GBP", "CHF", "SEK", "JPY"];

    /// The ISO 4217 code, upper case.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Eur => "EUR",
            Currency::Usd => "USD",
            Currency::Gbp => "GBP",
            Currency::Chf => "CHF",
            Currency::Sek => "SEK",
            Currency::Jpy => "JPY",
        }
    }

    /// Number of decimal places of the minor unit (2 for cents, 0 for yen).
    pub fn exponent(self) -> u32 {
        match self {
            Currency::Jpy => 0,
            _ => 2,
        }
    }

    /// Symbol placed before the amount when formatting for people.
    fn symbol(self) -> &'static str {
        match self {
            Currency::Eur => "€",
            Currency::Usd => "$",
            Currency::Gbp => "£",
            Currency::Chf => "CHF ",
            Currency::Sek => "SEK ",
            Currency::Jpy => "¥",
        }
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "EUR" => Currency::Eur,
            "USD" => Currency::Usd,
            "GBP" => Currency::Gbp,
            "CHF" => Currency::Chf,
            "SEK" => Currency::Sek,
            "JPY" => Currency::Jpy,
            _ => return Err(MoneyError::UnknownCurrency(s.to_owned())),
        })
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of money: integer minor units (cents, pence, yen) and a currency.
///
/// Arithmetic is checked: mixing currencies or overflowing is an error, never
/// a silent wrong total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Minor units, e.g. 1999 for €19.99.
    pub amount: i64,
    /// The currency the amount is in.
    pub currency: Currency,
}

impl Money {
    /// An amount in minor units.
    pub fn new(amount: i64, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// A price: like [`Money::new`] but refuses a negative amount.
    pub fn price(amount: i64, currency: Currency) -> Result<Self, MoneyError> {
        if amount < 0 {
            return Err(MoneyError::Negative(amount));
        }
        Ok(Money { amount, currency })
    }

    /// Zero in the given currency, the start of a sum.
    pub fn zero(currency: Currency) -> Self {
        Money {
            amount: 0,
            currency,
        }
    }

    /// `self + other`, refusing mixed currencies and overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// `self - other`, refusing mixed currencies and overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// `self × quantity`, refusing overflow.
    pub fn checked_mul(self, quantity: u32) -> Result<Money, MoneyError> {
        let amount = self
            .amount
            .checked_mul(i64::from(quantity))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// Sums amounts that must all be in `currency`.
    pub fn sum<I: IntoIterator<Item = Money>>(
        currency: Currency,
        items: I,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            });
        }
        Ok(())
    }

    /// The amount as a plain decimal string without symbol ("19.99", "500").
    pub fn decimal(&self) -> String {
        let exp = self.currency.exponent();
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let div = 10u64.pow(exp);
        format!(
            "{sign}{}.{:0width$}",
            abs / div,
            abs % div,
            width = exp as usize
        )
    }
}

impl fmt::Display for Money {
    /// Formats for people: "€19.99", "$5.00", "¥500", "CHF 12.50".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.decimal();
        match d.strip_prefix('-') {
            Some(rest) => write!(f, "-{}{}", self.currency.symbol(), rest),
            None => write!(f, "{}{}", self.currency.symbol(), d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_same_currency() {
        let a = Money::new(1999, Currency::Eur);
        let b = Money::new(1, Currency::Eur);
        assert_eq!(a.checked_add(b).unwrap(), Money::new(2000, Currency::Eur));
        assert_eq!(a.checked_sub(b).unwrap(), Money::new(1998, Currency::Eur));
    }

    #[test]
    fn refuses_mixed_currencies() {
        let err = Money::new(1, Currency::Eur)
            .checked_add(Money::new(1, Currency::Usd))
            .unwrap_err();
        assert_eq!(
            err,
            MoneyError::CurrencyMismatch {
                left: Currency::Eur,
                right: Currency::Usd
            }
        );
        assert!(err.to_string().contains("EUR and USD"));
        assert!(
            Money::new(1, Currency::Gbp)
                .checked_sub(Money::new(1, Currency::Eur))
                .is_err()
        );
        assert!(
            Money::sum(
                Currency::Eur,
                [Money::new(1, Currency::Eur), Money::new(1, Currency::Jpy)]
            )
            .is_err()
        );
    }

    #[test]
    fn refuses_overflow() {
        let max = Money::new(i64::MAX, Currency::Eur);
        assert_eq!(
            max.checked_add(Money::new(1, Currency::Eur)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(max.checked_mul(2), Err(MoneyError::Overflow));
        assert_eq!(
            Money::new(i64::MIN, Currency::Eur).checked_sub(Money::new(1, Currency::Eur)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::new(3, Currency::Eur).checked_mul(0).unwrap().amount,
            0
        );
    }

    #[test]
    fn prices_are_not_negative() {
        assert_eq!(
            Money::price(-1, Currency::Eur),
            Err(MoneyError::Negative(-1))
        );
        assert!(Money::price(0, Currency::Eur).is_ok());
    }

    #[test]
    fn formats_per_currency() {
        assert_eq!(Money::new(1999, Currency::Eur).to_string(), "€19.99");
        assert_eq!(Money::new(5, Currency::Usd).to_string(), "$0.05");
        assert_eq!(Money::new(500, Currency::Jpy).to_string(), "¥500");
        assert_eq!(Money::new(1250, Currency::Chf).to_string(), "CHF 12.50");
        assert_eq!(Money::new(-250, Currency::Gbp).to_string(), "-£2.50");
        assert_eq!(Money::new(100000, Currency::Sek).decimal(), "1000.00");
    }

    #[test]
    fn parses_currency_codes() {
        assert_eq!("eur".parse::<Currency>().unwrap(), Currency::Eur);
        let err = "XXX".parse::<Currency>().unwrap_err();
        assert!(err.to_string().contains("XXX") && err.to_string().contains("EUR"));
        let m: Money = serde_json::from_str(r#"{"amount":100,"currency":"GBP"}"#).unwrap();
        assert_eq!(m, Money::new(100, Currency::Gbp));
        assert!(serde_json::from_str::<Money>(r#"{"amount":100,"currency":"DOGE"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":1.5,"currency":"EUR"}"#).is_err());
    }
}
