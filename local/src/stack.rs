//! The whole shop on one machine: the stand-ins started, and in them what the
//! SAM template creates in AWS.

use std::path::PathBuf;

use standins::cognito::{DemoUser, UserPool, create_user_pool, demo_users};
use standins::hosted_ui::HostedUi;
use standins::process::Service;
use standins::services::{self, DynamoStorage};

/// Name of the table in DynamoDB Local.
pub const TABLE: &str = "edge-shop";
/// The Stripe test secret key localstripe accepts (any `sk_test_…` works).
pub const STRIPE_SECRET_KEY: &str = "sk_test_edge_shop_local";
/// The Stripe publishable key for the site's Stripe.js.
pub const STRIPE_PUBLISHABLE_KEY: &str = "pk_test_edge_shop_local";
/// The webhook signing secret registered with localstripe.
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_edge_shop_local_0123456789";
/// The shop's sender address.
pub const FROM_EMAIL: &str = "orders@shop.example";
/// The S3 bucket (in moto) the catalogue is published to.
pub const SITE_BUCKET: &str = "edge-shop-site";
/// The SQS queue (in moto) the stream mappings send exhausted records to.
pub const STREAM_FAILURE_QUEUE: &str = "edge-shop-stream-failures";

/// How to start the stack.
#[derive(Debug, Clone)]
pub struct Options {
    /// Port of the shop's front door.
    pub port: u16,
    /// Keep the table here between runs; in memory when `None`.
    pub data_dir: Option<PathBuf>,
    /// No per-request log lines.
    pub quiet: bool,
}

/// The running stand-ins, and what was created in them.
pub struct Stack {
    /// DynamoDB Local.
    pub dynamodb: Service,
    /// cognito-local.
    pub cognito: Service,
    /// aws-ses-v2-local.
    pub ses: Service,
    /// localstripe.
    pub stripe: Service,
    /// moto (S3 + CloudFront API).
    pub moto: Service,
    /// The user pool and app client.
    pub pool: UserPool,
    /// The local hosted-UI domain: cognito-local behind the pages it lacks
    /// (sign-up, confirmation, password reset; [`standins::hosted_ui`]).
    pub hosted_ui: HostedUi,
    /// The demo accounts.
    pub users: Vec<DemoUser>,
    /// The shop's address, `http://127.0.0.1:<port>`.
    pub site_url: String,
    /// The on-failure queue of the stream mappings (`StreamFailureQueue`).
    pub failure_queue_url: String,
}

impl Stack {
    /// Starts every stand-in (in parallel) and creates the table, the user
    /// pool, the SES identity and the Stripe webhook registration.
    pub async fn start(opts: &Options) -> anyhow::Result<Stack> {
        let storage = match &opts.data_dir {
            Some(dir) => DynamoStorage::Dir(dir.join("dynamodb")),
            None => DynamoStorage::InMemory,
        };
        // Install steps are serialised by their own locks; starts overlap.
        let (dynamodb, cognito, ses, stripe, moto) = tokio::task::spawn_blocking(move || {
            std::thread::scope(|s| {
                let d = s.spawn(|| services::start_dynamodb(storage));
                let c = s.spawn(services::start_cognito);
                let e = s.spawn(services::start_ses);
                let st = s.spawn(services::start_stripe);
                let m = s.spawn(services::start_moto);
                let join = |h: std::thread::ScopedJoinHandle<
                    '_,
                    Result<Service, standins::StartError>,
                >| {
                    h.join()
                        .map_err(|_| anyhow::anyhow!("a start thread panicked"))?
                        .map_err(anyhow::Error::from)
                };
                Ok::<_, anyhow::Error>((join(d)?, join(c)?, join(e)?, join(st)?, join(m)?))
            })
        })
        .await??;
        let site_url = format!("http://127.0.0.1:{}", opts.port);

        let ddb = standins::aws::dynamodb_client(&dynamodb.endpoint()).await;
        let exists = ddb
            .list_tables()
            .send()
            .await?
            .table_names()
            .iter()
            .any(|t| t == TABLE);
        if !exists {
            shop::store::table::create_table(&ddb, TABLE).await?;
        }

        let cognito_client = aws_sdk_cognitoidentityprovider::Client::new(
            &standins::aws::sdk_config(&cognito.endpoint()).await,
        );
        let users = demo_users();
        let pool = create_user_pool(&cognito_client, &site_url, &users).await?;
        let hosted_ui = standins::hosted_ui::start(standins::hosted_ui::Settings {
            cognito_endpoint: cognito.endpoint(),
            cognito_data: cognito.dir().join(".cognito/db"),
            pool_id: pool.pool_id.clone(),
            ses_endpoint: ses.endpoint(),
        })
        .await?;

        // SES: the sender identity (aws-ses-v2-local accepts any sender; creating it mirrors the template).
        let ses_client =
            aws_sdk_sesv2::Client::new(&standins::aws::sdk_config(&ses.endpoint()).await);
        if let Err(e) = ses_client
            .create_email_identity()
            .email_identity(FROM_EMAIL)
            .send()
            .await
        {
            tracing::debug!(error = %aws_sdk_sesv2::error::DisplayErrorContext(&e), "aws-ses-v2-local has no CreateEmailIdentity; sending works without it");
        }

        // Stripe: point localstripe's webhooks at the local webhook route.
        let http = reqwest::Client::new();
        let resp = http
            .post(format!("{}/_config/webhooks/edge-shop", stripe.endpoint()))
            .basic_auth(STRIPE_SECRET_KEY, Some(""))
            .form(&[
                ("url", format!("{site_url}/api/stripe/webhook")),
                ("secret", STRIPE_WEBHOOK_SECRET.to_owned()),
            ])
            .send()
            .await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "localstripe webhook registration: {}",
            resp.status()
        );

        // S3 bucket for the published catalogue (what catalogue-publisher uploads to).
        let s3 = standins::aws::s3_client(&moto.endpoint()).await;
        if s3.head_bucket().bucket(SITE_BUCKET).send().await.is_err() {
            s3.create_bucket().bucket(SITE_BUCKET).send().await?;
        }
        // The admin page PUTs photos straight to the bucket (the template's CorsConfiguration).
        {
            use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
            let rule = CorsRule::builder()
                .allowed_methods("PUT")
                .allowed_origins(&site_url)
                .allowed_headers("content-type")
                .allowed_headers("content-length")
                .max_age_seconds(3000)
                .build()?;
            s3.put_bucket_cors()
                .bucket(SITE_BUCKET)
                .cors_configuration(CorsConfiguration::builder().cors_rules(rule).build()?)
                .send()
                .await?;
        }

        // SQS queue (in moto) the stream mappings send exhausted records to, as the template's
        // `StreamFailureQueue`.
        let sqs = aws_sdk_sqs::Client::new(&standins::aws::sdk_config(&moto.endpoint()).await);
        let failure_queue_url = sqs
            .create_queue()
            .queue_name(STREAM_FAILURE_QUEUE)
            .send()
            .await?
            .queue_url
            .unwrap_or_default();

        Ok(Stack {
            dynamodb,
            cognito,
            ses,
            stripe,
            moto,
            pool,
            hosted_ui,
            users,
            site_url,
            failure_queue_url,
        })
    }

    /// The token issuer cognito-local writes into its JWTs.
    pub fn issuer(&self) -> String {
        format!("{}/{}", self.cognito.endpoint(), self.pool.pool_id)
    }

    /// The pool's JWKS, fetched once (as the SAM custom resource bakes it into the edge config).
    pub async fn jwks(&self) -> anyhow::Result<serde_json::Value> {
        let url = format!("{}/.well-known/jwks.json", self.issuer());
        Ok(reqwest::get(&url).await?.error_for_status()?.json().await?)
    }

    /// The edge configuration for the local shop: the same format as the
    /// bundle's `config.json`, with cognito-local's endpoints and plain-http cookies.
    pub async fn edge_config(&self) -> anyhow::Result<edge::Config> {
        // The hosted-UI domain the edge redirects to (and exchanges codes at).
        let c = self.hosted_ui.endpoint();
        let mut config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
            standins::process::repo_root().join("edge/config.example.json"),
        )?)?;
        let obj = config
            .as_object_mut()
            .ok_or_else(|| anyhow::anyhow!("edge config is not an object"))?;
        obj.insert("client_id".into(), self.pool.client_id.clone().into());
        obj.insert("issuer".into(), self.issuer().into());
        obj.insert(
            "authorize_url".into(),
            format!("{c}/oauth2/authorize").into(),
        );
        obj.insert("token_url".into(), format!("{c}/oauth2/token").into());
        obj.remove("revoke_url");
        obj.remove("logout_url");
        obj.insert("base_url".into(), self.site_url.clone().into());
        obj.insert("cookie_secure".into(), false.into());
        obj.insert("state_secret".into(), random_secret().into());
        obj.insert("jwks".into(), self.jwks().await?);
        // Security headers come from the routing table's policies, added by the gateway to
        // every response (edge-generated ones included), as CloudFront's
        // ResponseHeadersPolicies do: no second copy here.
        edge::Config::from_json(&config.to_string())
            .map_err(|e| anyhow::anyhow!("edge config: {e:?}"))
    }
}

fn random_secret() -> String {
    use std::hash::{BuildHasher, Hasher};
    (0..4)
        .map(|i| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(i);
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_nanos(),
            );
            format!("{:016x}", h.finish())
        })
        .collect()
}
