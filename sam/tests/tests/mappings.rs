//! shop-local's event source mappings (`shop_local::mapping`) and the template's declare the same
//! thing: which function, which key filter, how many retries before a record is set aside.

use sam_checks::{load_template, resources_of};
use serde_json::Value;

#[test]
fn local_mappings_follow_the_templates() {
    let t = load_template().unwrap();
    let mappings = resources_of(&t, "AWS::Lambda::EventSourceMapping");
    assert_eq!(
        mappings.len(),
        shop_local::mapping::MAPPINGS.len(),
        "every template mapping is played locally"
    );
    for spec in shop_local::mapping::MAPPINGS {
        let (id, m) = mappings
            .iter()
            .find(|(_, m)| m["Properties"]["FunctionName"]["Ref"] == spec.function)
            .unwrap_or_else(|| panic!("no mapping in the template invokes {}", spec.function));
        let p = &m["Properties"];
        assert_eq!(
            p["MaximumRetryAttempts"].as_u64(),
            Some(u64::from(spec.max_retries)),
            "{id}: retries"
        );
        let pattern: Value = serde_json::from_str(
            p["FilterCriteria"]["Filters"][0]["Pattern"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        let local: Value = serde_json::from_str(&(spec.filter)().pattern()).unwrap();
        let exact = local["dynamodb"]["Keys"]["SK"]["S"][0]["prefix"].as_str();
        // The template may write an exact match (`["PRODUCT"]`) where the filter is a prefix
        // that only that value has; both forms name the same sort keys.
        let template_value = &pattern["dynamodb"]["Keys"]["SK"]["S"][0];
        let template_prefix = template_value["prefix"]
            .as_str()
            .or(template_value.as_str());
        assert_eq!(template_prefix, exact, "{id}: filter {pattern} vs {local}");
    }
}
