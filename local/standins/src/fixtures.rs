//! Fixtures several crates' tests share, made through the stand-ins' own APIs.

use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig, ViewerProtocolPolicy,
};

/// The secret key tests and shop-local give localstripe (it accepts any `sk_test_` key).
pub const STRIPE_KEY: &str = "sk_test_edge_shop";

/// A card token for `number`, made as Stripe.js `createToken` makes one in the browser.
pub async fn card_token(stripe_endpoint: &str, number: &str) -> anyhow::Result<String> {
    let resp: serde_json::Value = reqwest::Client::new()
        .post(format!("{stripe_endpoint}/v1/tokens"))
        .bearer_auth(STRIPE_KEY)
        .form(&[
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    resp["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("localstripe made no token: {resp}"))
}

/// A PaymentIntent as Stripe holds it (`GET /v1/payment_intents/{id}`): what a test reads to
/// see what the shop did at Stripe.
pub async fn payment_intent(stripe_endpoint: &str, id: &str) -> anyhow::Result<serde_json::Value> {
    Ok(reqwest::Client::new()
        .get(format!("{stripe_endpoint}/v1/payment_intents/{id}"))
        .bearer_auth(STRIPE_KEY)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// A CloudFront distribution in moto in front of `bucket`, as the template declares one for
/// the site: what the catalogue publisher invalidates. Returns its id.
pub async fn distribution(
    cloudfront: &aws_sdk_cloudfront::Client,
    bucket: &str,
    caller_reference: &str,
) -> anyhow::Result<String> {
    let origin = Origin::builder()
        .id("site")
        .domain_name(format!("{bucket}.s3.amazonaws.com"))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()?;
    let config = DistributionConfig::builder()
        .caller_reference(caller_reference)
        .comment("edge-shop site")
        .enabled(true)
        .origins(Origins::builder().quantity(1).items(origin).build()?)
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("site")
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                .build()?,
        )
        .build()?;
    let out = cloudfront
        .create_distribution()
        .distribution_config(config)
        .send()
        .await?;
    out.distribution()
        .map(|d| d.id().to_owned())
        .ok_or_else(|| anyhow::anyhow!("moto created no distribution"))
}
