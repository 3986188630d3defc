//! The one definition of the single DynamoDB table.
//!
//! The local harness creates the table from [`create_table`]; the SAM
//! template's `AWS::DynamoDB::Table` is checked against
//! [`cloudformation_properties`] by a test, so both stay the same table.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};

use super::error::StoreError;

/// Partition key attribute.
pub const PK: &str = "PK";
/// Sort key attribute.
pub const SK: &str = "SK";
/// Index 1: the catalogue by category, orders by status.
pub const GSI1: &str = "GSI1";
/// Index 1 partition key attribute.
pub const GSI1PK: &str = "GSI1PK";
/// Index 1 sort key attribute.
pub const GSI1SK: &str = "GSI1SK";
/// Index 2: any order by its id (the owner's view, the webhook).
pub const GSI2: &str = "GSI2";
/// Index 2 partition key attribute.
pub const GSI2PK: &str = "GSI2PK";
/// Index 2 sort key attribute.
pub const GSI2SK: &str = "GSI2SK";
/// The TTL attribute (Unix seconds).
pub const TTL_ATTRIBUTE: &str = "expiresAt";

/// Key attributes, all strings.
pub const KEY_ATTRIBUTES: [&str; 6] = [PK, SK, GSI1PK, GSI1SK, GSI2PK, GSI2SK];

/// The indexes: (name, partition key, sort key). All project every attribute.
pub const INDEXES: [(&str, &str, &str); 2] = [(GSI1, GSI1PK, GSI1SK), (GSI2, GSI2PK, GSI2SK)];

/// The table's properties as CloudFormation writes them (the parts that
/// define its shape), for comparing with the SAM template.
pub fn cloudformation_properties() -> serde_json::Value {
    let attrs: Vec<_> = KEY_ATTRIBUTES
        .iter()
        .map(|a| serde_json::json!({"AttributeName": a, "AttributeType": "S"}))
        .collect();
    let gsis: Vec<_> = INDEXES
        .iter()
        .map(|(name, pk, sk)| {
            serde_json::json!({
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": pk, "KeyType": "HASH"},
                    {"AttributeName": sk, "KeyType": "RANGE"}
                ],
                "Projection": {"ProjectionType": "ALL"}
            })
        })
        .collect();
    serde_json::json!({
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": attrs,
        "KeySchema": [
            {"AttributeName": PK, "KeyType": "HASH"},
            {"AttributeName": SK, "KeyType": "RANGE"}
        ],
        "GlobalSecondaryIndexes": gsis,
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": true}
    })
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    Ok(KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()?)
}

/// Creates the table (on-demand, stream `NEW_AND_OLD_IMAGES`, both indexes)
/// and turns TTL on. Used by the local harness; AWS gets it from the template.
pub async fn create_table(client: &Client, name: &str) -> Result<(), StoreError> {
    let mut req = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()?,
        );
    for attr in KEY_ATTRIBUTES {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attr)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        );
    }
    for (index, pk, sk) in INDEXES {
        req = req.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index)
                .key_schema(key(pk, KeyType::Hash)?)
                .key_schema(key(sk, KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()?,
        );
    }
    req.send().await?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL_ATTRIBUTE)
                .enabled(true)
                .build()?,
        )
        .send()
        .await?;
    Ok(())
}
