//! `shop-local` put together: the stack, the rendered site, the front door
//! and the stream poller feeding the stream handlers.

use std::path::PathBuf;
use std::time::Duration;

use shop::Store;
use shop::mailer::Mailer;
use shop::payments::Payments;
use stream_handlers::poller::StreamPoller;

use crate::gateway::Gateway;
use crate::mapping::{self, Mapping, OnFailure};
use crate::stack::{self, Options, Stack};

/// The running shop.
pub struct Shop {
    /// The stand-ins and what was created in them.
    pub stack: Stack,
    /// Where the rendered site lives.
    pub site_dir: PathBuf,
    listener: tokio::net::TcpListener,
    gateway: Gateway,
    store: Store,
    payments: Payments,
    mailer: Mailer,
    publisher: stream_handlers::catalogue_publisher::State,
    _site_tmp: Option<tempfile::TempDir>,
}

impl Shop {
    /// Claims the port, starts the stack, loads the demo catalogue, renders
    /// the site and builds the front door. Nothing is served until [`Shop::serve`].
    pub async fn start(opts: &Options) -> anyhow::Result<Shop> {
        // Claim the port first: a taken port is the most common failure, say so before any work.
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await.map_err(|e| {
            anyhow::anyhow!(
                "port {} on 127.0.0.1 is not available ({e}); stop what uses it or pick another with --port",
                opts.port
            )
        })?;
        eprintln!(
            "==> starting the stand-ins (DynamoDB Local, cognito-local, aws-ses-v2-local, localstripe, moto)"
        );
        let stack = Stack::start(opts).await?;

        let ddb = standins::aws::dynamodb_client(&stack.dynamodb.endpoint()).await;
        let store = Store::new(ddb, stack::TABLE);
        let products = crate::demo::load_catalogue()?;
        let created = crate::demo::put_catalogue(&store, &products).await?;
        eprintln!(
            "==> demo catalogue: {created} products loaded ({} in the file)",
            products.len()
        );

        let (site_dir, site_tmp) = match &opts.data_dir {
            Some(dir) => (dir.join("site"), None),
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix("edge-shop-site-")
                    .tempdir()?;
                (tmp.path().to_path_buf(), Some(tmp))
            }
        };
        let site_config = site_config(&stack);
        let all = store.all_products().await?;
        let summary = static_site::render_site(&all, &site_config, &site_dir)?;
        let images = crate::demo::images_dir();
        static_site::files::copy_tree(&images, &site_dir.join("images"))?;
        eprintln!("==> site rendered: {summary:?}");

        let payments = Payments::new(
            &stack.stripe.endpoint(),
            stack::STRIPE_SECRET_KEY.to_owned(),
        );
        let ses =
            aws_sdk_sesv2::Client::new(&standins::aws::sdk_config(&stack.ses.endpoint()).await);
        let mailer = stream_handlers::order_events::mailer(
            ses,
            stack::FROM_EMAIL,
            &stream_handlers::order_events::letterhead(&site_config),
        );

        // Through the hosted-UI server, which completes what cognito-local's API lacks
        // (`AdminUserGlobalSignOut`) and forwards the rest.
        let cognito = aws_sdk_cognitoidentityprovider::Client::new(
            &standins::aws::sdk_config(&stack.hosted_ui.endpoint()).await,
        );
        let users = functions::users::UserDirectory::new(cognito, stack.pool.pool_id.clone());
        let s3 = standins::aws::s3_client(&stack.moto.endpoint()).await;
        crate::demo::upload_images(&s3, stack::SITE_BUCKET).await?;
        let s3_images = s3.clone();
        let cloudfront = aws_sdk_cloudfront::Client::new(
            &standins::aws::sdk_config(&stack.moto.endpoint()).await,
        );
        let distribution = standins::fixtures::distribution(
            &cloudfront,
            stack::SITE_BUCKET,
            &format!("edge-shop-local-{}", std::process::id()),
        )
        .await?;
        // Admin changes re-render into the served directory and publish to moto's bucket.
        let publisher = stream_handlers::catalogue_publisher::State::new(
            store.clone(),
            s3.clone(),
            cloudfront,
            stack::SITE_BUCKET,
            distribution,
            site_config,
            site_dir.clone(),
        )
        .already_rendered();

        // One router per Lambda, as API Gateway's routes send them.
        let api = vec![
            (
                "/api/".to_owned(),
                functions::shopper::router(functions::shopper::ShopperState {
                    store: store.clone(),
                    payments: payments.clone(),
                    users: Some(users.clone()),
                }),
            ),
            (
                "/api/admin/".to_owned(),
                functions::admin::router(functions::admin::AdminState {
                    store: store.clone(),
                    payments: payments.clone(),
                    users,
                    s3: s3.into(),
                    site_bucket: stack::SITE_BUCKET.to_owned(),
                    admin_group: functions::admin::ADMIN_GROUP.to_owned(),
                }),
            ),
            (
                "/api/stripe/webhook".to_owned(),
                functions::webhook::router(functions::webhook::WebhookState {
                    store: store.clone(),
                    payments: payments.clone(),
                    secret: stack::STRIPE_WEBHOOK_SECRET.to_owned(),
                }),
            ),
        ];
        let mut edge_config = stack.edge_config().await?;
        let _ = &mut edge_config;
        let gateway = Gateway::new(
            edge_config,
            api,
            header_values(&stack),
            site_dir.clone(),
            opts.quiet,
        )?
        .with_images_from(s3_images, stack::SITE_BUCKET);
        Ok(Shop {
            stack,
            site_dir,
            listener,
            gateway,
            store,
            payments,
            mailer,
            publisher,
            _site_tmp: site_tmp,
        })
    }

    /// Prints the address, the demo accounts and where to read emails; the
    /// line `READY` tells scripts the shop answers.
    pub fn print_banner(&self) {
        let s = &self.stack;
        println!();
        println!("  Edge Shop is running at {}", s.site_url);
        println!();
        println!("  Demo accounts (sign in through the hosted login):");
        for u in &s.users {
            println!(
                "    {:<22} {:<20} {}",
                u.email,
                u.password,
                if u.admin {
                    "owner (admin group)"
                } else {
                    "shopper"
                }
            );
        }
        println!(
            "  Test cards: 4242 4242 4242 4242 (ok), 4000 0000 0000 3220 (3-D Secure), 4000 0000 0000 0341 (declined)"
        );
        println!(
            "  Emails sent: {}/  (JSON at {}/store)",
            s.ses.endpoint(),
            s.ses.endpoint()
        );
        println!(
            "  Stand-ins: DynamoDB {}  Cognito {}  Stripe {}  S3/CloudFront {}",
            s.dynamodb.endpoint(),
            s.cognito.endpoint(),
            s.stripe.endpoint(),
            s.moto.endpoint()
        );
        println!("  Ctrl-C stops everything.");
        println!();
        println!("SES_URL={}", s.ses.endpoint());
        println!("STRIPE_URL={}", s.stripe.endpoint());
        println!("READY {}", s.site_url);
    }

    /// Serves until the process is stopped, with the stream poller running beside.
    pub async fn serve(self) -> anyhow::Result<()> {
        let on_failure = OnFailure {
            sqs: aws_sdk_sqs::Client::new(
                &standins::aws::sdk_config(&self.stack.moto.endpoint()).await,
            ),
            queue_url: self.stack.failure_queue_url.clone(),
        };
        let poller = AbortOnDrop(tokio::spawn(run_stream(
            self.stack.dynamodb.endpoint(),
            self.store.clone(),
            self.payments.clone(),
            self.mailer.clone(),
            stream_handlers::order_events::letterhead(&self.publisher.config),
            // The template's OrderNotificationEmail: here the demo owner's address.
            self.stack
                .users
                .iter()
                .find(|u| u.admin)
                .map(|u| u.email.clone()),
            on_failure.clone(),
        )));
        let publishing = AbortOnDrop(tokio::spawn(run_publisher(
            self.stack.dynamodb.endpoint(),
            self.publisher.clone(),
            on_failure,
        )));
        let _sweeping = AbortOnDrop(tokio::spawn(run_sweeper(stream_handlers::sweeper::State {
            store: self.store.clone(),
            payments: self.payments.clone(),
        })));
        let app = self.gateway.clone().router();
        let served = axum::serve(self.listener, app).await;
        drop(poller);
        drop(publishing);
        served.map_err(anyhow::Error::from)
    }
}

/// Aborts a background task when dropped, so stopping the server (Ctrl-C
/// drops the serving future) also stops the stream poller before the
/// stand-ins go away.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The routing table's header placeholders (`edge/routes.json`) filled with the stand-ins'
/// origins: localstripe serves Stripe.js and its API, moto takes the photo uploads,
/// the local hosted UI (in front of cognito-local) takes the sign-in and sign-out forms.
fn header_values(stack: &Stack) -> std::collections::BTreeMap<String, String> {
    let stripe = stack.stripe.endpoint();
    [
        ("stripe_js", stripe.clone()),
        ("stripe_frames", stripe.clone()),
        ("stripe_api", stripe),
        ("upload_origin", stack.moto.endpoint()),
        ("auth_origin", stack.hosted_ui.endpoint()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn site_config(stack: &Stack) -> static_site::SiteConfig {
    static_site::SiteConfig {
        base_url: stack.site_url.clone(),
        stripe_js_url: format!("{}/js.stripe.com/v3/", stack.stripe.endpoint()),
        stripe_publishable_key: stack::STRIPE_PUBLISHABLE_KEY.to_owned(),
        ..static_site::SiteConfig::default()
    }
}

/// Plays order-events' event source mapping ([`mapping::ORDER_EVENTS`]).
async fn run_stream(
    endpoint: String,
    store: Store,
    payments: Payments,
    mailer: Mailer,
    letterhead: shop::email::Letterhead,
    owner_email: Option<String>,
    on_failure: OnFailure,
) {
    let streams = aws_sdk_dynamodbstreams::Client::new(&standins::aws::sdk_config(&endpoint).await);
    let orders = table_stream(&streams, store.table()).await;
    let state = stream_handlers::order_events::State {
        store,
        payments,
        mailer,
        letterhead,
        owner_email,
    };
    Mapping::new(mapping::ORDER_EVENTS, orders, Vec::new(), Some(on_failure))
        .run(|event| stream_handlers::order_events::handle(&state, event))
        .await
}

/// The table's stream, once DynamoDB Local has it.
async fn table_stream(streams: &aws_sdk_dynamodbstreams::Client, table: &str) -> StreamPoller {
    loop {
        match StreamPoller::for_table(streams.clone(), table).await {
            Ok(p) => return p,
            Err(e) => {
                tracing::warn!(error = %e, "waiting for the table's stream");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Plays the catalogue-publisher's event source mapping: uploads the
/// rendered site to moto's bucket once, then hands `PRODUCT` records written
/// from then on to the publisher, which re-renders into the served directory.
async fn run_publisher(
    endpoint: String,
    publisher: stream_handlers::catalogue_publisher::State,
    on_failure: OnFailure,
) {
    use stream_handlers::poller::StartPosition;
    let streams = aws_sdk_dynamodbstreams::Client::new(&standins::aws::sdk_config(&endpoint).await);
    let mut products = table_stream(&streams, publisher.store.table())
        .await
        .with_filter((mapping::CATALOGUE_PUBLISHER.filter)())
        .starting_at(StartPosition::Latest);
    // The first poll fixes the starting point before the (slower) upload.
    let pending = products.next_batch().await.unwrap_or_default();
    if let Err(e) = publisher.publish_all().await {
        tracing::warn!(error = %e, "initial site upload to the local bucket failed");
    }
    Mapping::new(
        mapping::CATALOGUE_PUBLISHER,
        products,
        pending,
        Some(on_failure),
    )
    .run(|event| stream_handlers::catalogue_publisher::handle(&publisher, event))
    .await
}

/// Plays the sweeper's EventBridge schedule: the same function, every
/// [`stream_handlers::sweeper::SCHEDULE_MINUTES`] minute.
async fn run_sweeper(state: stream_handlers::sweeper::State) {
    let every = Duration::from_secs(60 * stream_handlers::sweeper::SCHEDULE_MINUTES);
    loop {
        tokio::time::sleep(every).await;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if let Err(e) = stream_handlers::sweeper::sweep(&state, now).await {
            tracing::warn!(error = %e, "reservation sweep failed; next run retries");
        }
    }
}
