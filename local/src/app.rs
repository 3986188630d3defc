//! `shop-local` put together: the stack, the rendered site, the front door
//! and the stream poller feeding the stream handlers.

use std::path::PathBuf;
use std::time::Duration;

use shop::Store;
use shop::mailer::Mailer;
use shop::payments::Payments;
use stream_handlers::filter::KeyFilter;
use stream_handlers::poller::StreamPoller;

use crate::gateway::Gateway;
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

        let ddb = crate::aws::dynamodb_client(&stack.dynamodb.endpoint()).await;
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
        let ses = aws_sdk_sesv2::Client::new(&crate::aws::sdk_config(&stack.ses.endpoint()).await);
        let mailer = Mailer::new(ses, stack::FROM_EMAIL);

        // One router per Lambda, as API Gateway's routes send them.
        let api = vec![
            (
                "/api/".to_owned(),
                functions::shopper::router(functions::shopper::ShopperState {
                    store: store.clone(),
                    payments: payments.clone(),
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
            vec!["/api/catalogue/".into(), "/api/stripe/webhook".into()],
            site_dir.clone(),
            opts.quiet,
        )?;
        Ok(Shop {
            stack,
            site_dir,
            listener,
            gateway,
            store,
            payments,
            mailer,
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
        let poller = AbortOnDrop(tokio::spawn(run_stream(
            self.stack.dynamodb.endpoint(),
            self.store.clone(),
            self.payments.clone(),
            self.mailer.clone(),
        )));
        let app = self.gateway.clone().router();
        let served = axum::serve(self.listener, app).await;
        drop(poller);
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

fn site_config(stack: &Stack) -> static_site::SiteConfig {
    static_site::SiteConfig {
        base_url: stack.site_url.clone(),
        stripe_js_url: format!("{}/js.stripe.com/v3/", stack.stripe.endpoint()),
        stripe_publishable_key: stack::STRIPE_PUBLISHABLE_KEY.to_owned(),
        ..static_site::SiteConfig::default()
    }
}

/// Plays Lambda's event source mappings: polls the table's stream and hands
/// `ORDER#` records to order-events (the template's filter), retrying
/// reported failures on the next round.
async fn run_stream(endpoint: String, store: Store, payments: Payments, mailer: Mailer) {
    let streams = aws_sdk_dynamodbstreams::Client::new(&crate::aws::sdk_config(&endpoint).await);
    let mut orders = loop {
        match StreamPoller::for_table(streams.clone(), store.table()).await {
            Ok(p) => break p.with_filter(KeyFilter::orders()),
            Err(e) => {
                tracing::warn!(error = %e, "waiting for the table's stream");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let state = stream_handlers::order_events::State {
        store,
        payments,
        mailer,
    };
    let mut pending: Vec<aws_lambda_events::event::dynamodb::EventRecord> = Vec::new();
    loop {
        match orders.next_batch().await {
            Ok(batch) => pending.extend(batch),
            Err(e) => tracing::warn!(error = %e, "stream poll failed"),
        }
        if !pending.is_empty() {
            let event = stream_handlers::convert::event_of(pending.clone());
            let response = stream_handlers::order_events::handle(&state, event).await;
            let failed: std::collections::HashSet<String> = response
                .batch_item_failures
                .iter()
                .filter_map(|f| f.item_identifier.clone())
                .collect();
            pending.retain(|r| {
                r.change
                    .sequence_number
                    .as_ref()
                    .is_some_and(|s| failed.contains(s))
            });
            if !failed.is_empty() {
                tracing::warn!(
                    failed = failed.len(),
                    "order-events reported failures; retrying"
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
