//! The owner's audit trail: every admin change as one item (who, what, when).
//!
//! | PK | SK |
//! |---|---|
//! | `AUDIT#<yyyy-mm-dd>` | `<rfc3339 time>#<ulid>` |
//!
//! One partition per UTC day keeps writes spread and a day's changes one
//! query away, oldest first. The items have no TTL: the trail is kept.

use serde::{Deserialize, Serialize};

use super::keys::{CursorShape, audit_partition, s};
use super::table::{PK, SK};
use super::{Page, Store, StoreError};

/// One recorded admin change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who: the admin's Cognito `sub`.
    pub actor: String,
    /// The admin's username, for people reading the trail.
    pub actor_name: String,
    /// The admin's email when it is known (Cognito usernames are often
    /// UUIDs; the email is what people recognise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_email: Option<String>,
    /// What, e.g. `product.update`, `stock.adjust`, `order.refund`, `staff.grant`.
    pub action: String,
    /// What it was done to: a SKU, an order id, a username.
    pub target: String,
    /// Details (the new values, the reason, the Stripe refund id…). Stored without empty
    /// objects (see [`without_empty_objects`]); absent when there is nothing to say.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

impl AuditEntry {
    /// An entry stamped now.
    pub fn now(
        actor: impl Into<String>,
        actor_name: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
        detail: serde_json::Value,
    ) -> AuditEntry {
        let at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        AuditEntry {
            at,
            actor: actor.into(),
            actor_name: actor_name.into(),
            actor_email: None,
            action: action.into(),
            target: target.into(),
            detail,
        }
    }

    /// The UTC day of the entry (`yyyy-mm-dd`), its partition.
    pub fn day(&self) -> &str {
        self.at.get(..10).unwrap_or("0000-00-00")
    }
}

/// `value` with every empty object removed (an object left empty by that is removed too;
/// an empty top level becomes null, which is not stored).
///
/// Why: DynamoDB Local's stream emits an empty map attribute as `{}`, an attribute value
/// with no type, which no client can decode; an item holding one once stopped the whole
/// local stream. An empty map says nothing, so it is never written.
pub fn without_empty_objects(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    fn prune(value: Value) -> Option<Value> {
        match value {
            Value::Object(map) => {
                let map: serde_json::Map<String, Value> = map
                    .into_iter()
                    .filter_map(|(k, v)| prune(v).map(|v| (k, v)))
                    .collect();
                (!map.is_empty()).then_some(Value::Object(map))
            }
            Value::Array(items) => {
                Some(Value::Array(items.into_iter().filter_map(prune).collect()))
            }
            other => Some(other),
        }
    }
    prune(value).unwrap_or(Value::Null)
}

impl Store {
    /// Records one admin change.
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let entry = AuditEntry {
            detail: without_empty_objects(entry.detail.clone()),
            ..entry.clone()
        };
        let mut item: super::Item = serde_dynamo::to_item(&entry)?;
        item.insert(PK.into(), s(audit_partition(entry.day())));
        item.insert(SK.into(), s(format!("{}#{}", entry.at, ulid::Ulid::new())));
        self.put_raw(item).await
    }

    /// The changes of one UTC day (`yyyy-mm-dd`), oldest first.
    pub async fn list_audit(
        &self,
        day: &str,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let partition = audit_partition(day);
        let query = self
            .query()
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(&partition))
            .limit(limit.clamp(1, 1000))
            .consistent_read(true);
        self.query_page(query, cursor, &CursorShape::table(&partition, None))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::without_empty_objects;
    use serde_json::json;

    #[test]
    fn empty_objects_are_never_stored() {
        assert_eq!(without_empty_objects(json!({})), json!(null));
        assert_eq!(
            without_empty_objects(json!({"a": {}, "b": {"c": {}}, "d": 1, "e": [{}, 2]})),
            json!({"d": 1, "e": [2]})
        );
        assert_eq!(without_empty_objects(json!("why")), json!("why"));
    }
}
