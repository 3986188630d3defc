//! Key filters: which stream records a handler wants, by a key prefix.
//!
//! In AWS the event source mapping's `FilterCriteria` drop the other records
//! before Lambda is invoked (`sam/template.yaml`); locally the poller applies
//! the same filter, and the handlers check again.

use aws_lambda_events::event::dynamodb::EventRecord;
use serde_dynamo::AttributeValue;
use shop::store::keys;
use shop::store::table::{PK, SK};

/// "Key attribute `attribute` is a string beginning with `prefix`", as the
/// template's pattern `{"dynamodb":{"Keys":{"<attribute>":{"S":[{"prefix":"<prefix>"}]}}}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFilter {
    /// The key attribute (`PK` or `SK`).
    pub attribute: String,
    /// The prefix its string value must start with.
    pub prefix: String,
}

impl KeyFilter {
    /// Sort key begins with `prefix`.
    pub fn sk_begins_with(prefix: impl Into<String>) -> KeyFilter {
        KeyFilter {
            attribute: SK.into(),
            prefix: prefix.into(),
        }
    }

    /// Partition key begins with `prefix`.
    pub fn pk_begins_with(prefix: impl Into<String>) -> KeyFilter {
        KeyFilter {
            attribute: PK.into(),
            prefix: prefix.into(),
        }
    }

    /// The filter of the `order-events` mapping: `SK` begins with `ORDER#`.
    pub fn orders() -> KeyFilter {
        KeyFilter::sk_begins_with(keys::ORDER_PREFIX)
    }

    /// The filter of the `catalogue-publisher` mapping: `SK` begins with `PRODUCT`.
    pub fn products() -> KeyFilter {
        KeyFilter::sk_begins_with(keys::PRODUCT_SK)
    }

    /// True if the record's keys pass the filter.
    pub fn matches(&self, record: &EventRecord) -> bool {
        key_string(record, &self.attribute).is_some_and(|v| v.starts_with(&self.prefix))
    }

    /// The `FilterCriteria` pattern the SAM template writes for this filter.
    pub fn pattern(&self) -> String {
        serde_json::json!({
            "dynamodb": {"Keys": {&self.attribute: {"S": [{"prefix": &self.prefix}]}}}
        })
        .to_string()
    }
}

/// What the record's item is, from its `PK`/`SK` (`None` for keys the table's layout never
/// makes, or a record without string keys).
pub fn item_key(record: &EventRecord) -> Option<keys::ItemKey> {
    keys::ItemKey::parse(key_string(record, PK)?, key_string(record, SK)?)
}

/// The string value of key attribute `name` of a record, if it has one.
pub fn key_string<'a>(record: &'a EventRecord, name: &str) -> Option<&'a str> {
    match record.change.keys.inner().get(name)? {
        AttributeValue::S(s) => Some(s.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pk: &str, sk: &str) -> EventRecord {
        let mut r = EventRecord::default();
        let keys = r.change.keys.inner_mut();
        keys.insert("PK".into(), AttributeValue::S(pk.into()));
        keys.insert("SK".into(), AttributeValue::S(sk.into()));
        r
    }

    #[test]
    fn matches_by_prefix() {
        let orders = KeyFilter::orders();
        assert!(orders.matches(&record("CUSTOMER#a", "ORDER#01")));
        assert!(!orders.matches(&record("PRODUCT#X", "PRODUCT")));
        assert!(!orders.matches(&EventRecord::default()));
        assert!(KeyFilter::products().matches(&record("PRODUCT#X", "PRODUCT")));
        assert!(KeyFilter::pk_begins_with("CUSTOMER#").matches(&record("CUSTOMER#a", "ORDER#1")));
    }

    #[test]
    fn pattern_is_the_templates() {
        assert_eq!(
            KeyFilter::orders().pattern(),
            r#"{"dynamodb":{"Keys":{"SK":{"S":[{"prefix":"ORDER#"}]}}}}"#
        );
    }
}
