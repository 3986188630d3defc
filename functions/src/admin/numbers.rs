//! The admin bodies' numbers, checked by name before the body is decoded: serde's own
//! message for a number out of its type's range ("invalid value: integer `10000000000000000000`,
//! expected i64 at line 1 column 121") names neither the field nor the limit, and the back office
//! shows the API's message to the owner as it is.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::extract::JsonBody;

/// A number in an admin body: where it is, what the owner calls it, its range.
pub(super) struct NumberField {
    /// The path of keys to it (`["price", "amount"]`).
    pub(super) path: &'static [&'static str],
    /// Its name in words, as the message's subject ("the price in cents").
    pub(super) name: &'static str,
    /// The least value it takes.
    pub(super) min: i128,
    /// The greatest value it takes.
    pub(super) max: i128,
}

impl NumberField {
    /// The field at `path`, called `name`, taking `range` (e.g. [`STOCK`]).
    pub(super) const fn new(
        path: &'static [&'static str],
        name: &'static str,
        range: (i128, i128),
    ) -> NumberField {
        NumberField {
            path,
            name,
            min: range.0,
            max: range.1,
        }
    }
}

/// A body whose numbers are checked by [`AdminJson`].
pub(super) trait Numbers {
    /// Its number fields.
    const NUMBERS: &'static [NumberField];
}

/// [`JsonBody`] whose numbers ([`Numbers::NUMBERS`]) are checked first: a number out of range,
/// a fraction or one too large for any integer is 400 `invalid_number` naming the field and
/// its range in words; the rest of the body is then held to [`JsonBody`]'s rules.
#[derive(Debug, Clone)]
pub(super) struct AdminJson<T>(pub(super) T);

impl<S, T> FromRequest<S> for AdminJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Numbers,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBody(body) = JsonBody::<Value>::from_request(req, state).await?;
        check(&body, T::NUMBERS)?;
        serde_json::from_value(body)
            .map(AdminJson)
            .map_err(|e| ApiError::bad_request("invalid_body", format!("invalid JSON body: {e}")))
    }
}

/// 400 `invalid_number` for the first field of `fields` in `body` that is a number out of its
/// range (a field that is absent or not a number is left to the decoder).
pub(super) fn check(body: &Value, fields: &[NumberField]) -> Result<(), ApiError> {
    for field in fields {
        let Some(Value::Number(n)) = field.path.iter().try_fold(body, |v, k| v.get(k)) else {
            continue;
        };
        let whole = n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from));
        if !whole.is_some_and(|v| (field.min..=field.max).contains(&v)) {
            return Err(ApiError::bad_request(
                "invalid_number",
                format!(
                    "{} must be a whole number from {} to {}",
                    field.name, field.min, field.max
                ),
            ));
        }
    }
    Ok(())
}

/// A stock count's range (`shop::Product::stock` is a `u32`).
pub(super) const STOCK: (i128, i128) = (0, u32::MAX as i128);
/// A price's range in minor units (`shop::Money::amount` is an `i64`; no price is negative).
pub(super) const PRICE: (i128, i128) = (0, i64::MAX as i128);

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[NumberField] = &[
        NumberField::new(&["price", "amount"], "the price (in cents)", PRICE),
        NumberField::new(&["stock"], "the stock", STOCK),
    ];

    #[test]
    fn numbers_out_of_range_are_named() {
        let message = |body: &str| {
            check(&serde_json::from_str(body).unwrap(), FIELDS)
                .err()
                .map(|e| (e.code, e.message))
        };
        assert_eq!(message(r#"{"price":{"amount":1800},"stock":4}"#), None);
        assert_eq!(message(r#"{"stock":"four"}"#), None, "left to the decoder");
        let stock = Some((
            "invalid_number",
            "the stock must be a whole number from 0 to 4294967295".to_owned(),
        ));
        for bad in ["-1", "1.5", "99999999999", "1e30"] {
            assert_eq!(message(&format!(r#"{{"stock":{bad}}}"#)), stock, "{bad}");
        }
        let (_, m) = message(r#"{"price":{"amount":99999999999999999999}}"#).unwrap();
        assert_eq!(
            m,
            "the price (in cents) must be a whole number from 0 to 9223372036854775807"
        );
    }
}
