//! catalogue-publisher against DynamoDB Local's stream and moto's S3 and
//! CloudFront: a new product's page appears in the bucket, a price change
//! re-uploads exactly its page and its listings and invalidates exactly those
//! in one call, a stock-only change (what every order makes) uploads and
//! invalidates nothing, a batch of edits makes one invalidation, a retired
//! product shows as unavailable and leaves its listing, and redelivery
//! uploads nothing.

use std::sync::atomic::{AtomicU32, Ordering};

use aws_lambda_events::event::dynamodb::EventRecord;
use shop::store::table;
use shop::{Category, Currency, Money, Product, ProductStatus, Sku, Store};
use static_site::SiteConfig;
use stream_handlers::catalogue_publisher::{self, Published, State};
use stream_handlers::convert::event_of;
use stream_handlers::filter::KeyFilter;
use stream_handlers::poller::StreamPoller;

static COUNTER: AtomicU32 = AtomicU32::new(0);

struct World {
    state: State,
    poller: StreamPoller,
    _work: tempfile::TempDir,
}

fn product(sku: &str, category: &str, cents: i64) -> Product {
    Product {
        sku: Sku::parse(sku).unwrap(),
        name: format!("Thing {sku}"),
        description: "Useful.".into(),
        category: Category::parse(category).unwrap(),
        price: Money::new(cents, Currency::Eur),
        stock: 5,
        status: ProductStatus::Active,
        images: vec![],
        featured: false,
        version: 0,
    }
}

impl World {
    /// A table with KIT-1, KIT-2 (kitchen) and GAR-1 (garden) whose site was
    /// published to a fresh bucket (as the deployment does), and a publisher
    /// with an empty working directory (a cold start).
    async fn new() -> World {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let ddb = standins::services::dynamodb().endpoint();
        let moto = tokio::task::spawn_blocking(standins::services::moto)
            .await
            .unwrap()
            .endpoint();
        let client = standins::aws::dynamodb_client(&ddb).await;
        let name = format!("publisher-{}-{n}", std::process::id());
        table::create_table(&client, &name).await.unwrap();
        let store = Store::new(client, &name);
        for p in [
            product("KIT-1", "kitchen", 1000),
            product("KIT-2", "kitchen", 2000),
            product("GAR-1", "garden", 500),
        ] {
            store.put_product(&p).await.unwrap();
        }
        let streams = aws_sdk_dynamodbstreams::Client::new(&standins::aws::sdk_config(&ddb).await);
        let poller = StreamPoller::for_table(streams, &name)
            .await
            .unwrap()
            .with_filter(KeyFilter::products());
        let s3 = standins::aws::s3_client(&moto).await;
        let cloudfront = aws_sdk_cloudfront::Client::new(&standins::aws::sdk_config(&moto).await);
        let bucket = format!("site-{}-{n}", std::process::id());
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        let dist =
            standins::fixtures::distribution(&cloudfront, &bucket, &format!("publisher-{bucket}"))
                .await
                .unwrap();
        let config = SiteConfig {
            base_url: "https://shop.example".into(),
            ..SiteConfig::default()
        };
        // The deployment's first publish.
        let deployed = tempfile::tempdir().unwrap();
        static_site::render_site(
            &store.all_products().await.unwrap(),
            &config,
            deployed.path(),
        )
        .unwrap();
        static_site::publish(&s3, &cloudfront, &bucket, &dist, deployed.path())
            .await
            .unwrap();
        let work = tempfile::tempdir().unwrap();
        let state = State::new(store, s3, cloudfront, bucket, dist, config, work.path());
        World {
            state,
            poller,
            _work: work,
        }
    }

    async fn records(&mut self) -> Vec<EventRecord> {
        self.poller.drain().await.unwrap()
    }

    /// Publishes the records written since the last call as one batch, as
    /// Lambda's event source mapping hands them over.
    async fn publish(&mut self) -> Vec<Published> {
        let records = self.records().await;
        assert!(!records.is_empty(), "the stream has the change");
        let (done, response) =
            catalogue_publisher::publish_batch(&self.state, event_of(records)).await;
        assert!(response.batch_item_failures.is_empty());
        vec![done]
    }

    /// How many invalidations the distribution has had.
    async fn invalidations(&self) -> i32 {
        self.state
            .cloudfront
            .list_invalidations()
            .distribution_id(&self.state.distribution_id)
            .send()
            .await
            .unwrap()
            .invalidation_list()
            .map_or(0, |l| l.quantity())
    }

    async fn object(&self, key: &str) -> Option<String> {
        let got = self
            .state
            .s3
            .get_object()
            .bucket(&self.state.bucket)
            .key(key)
            .send()
            .await
            .ok()?;
        let bytes = got.body.collect().await.unwrap().into_bytes();
        Some(String::from_utf8(bytes.to_vec()).unwrap())
    }

    async fn save(&self, p: &Product) {
        self.state.store.put_product(p).await.unwrap();
    }

    async fn get(&self, sku: &str) -> Product {
        self.state
            .store
            .get_product(&Sku::parse(sku).unwrap())
            .await
            .unwrap()
    }
}

fn uploaded(published: &[Published]) -> Vec<String> {
    let mut all: Vec<String> = published.iter().flat_map(|p| p.uploaded.clone()).collect();
    all.sort();
    all.dedup();
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_changes_reach_exactly_their_pages() {
    let mut w = World::new().await;

    // The catalogue's own inserts, delivered after the deployment published
    // it (a cold start renders everything first): nothing to upload.
    let first = w.records().await;
    assert_eq!(first.len(), 3);
    let response = catalogue_publisher::handle(&w.state, event_of(first)).await;
    assert!(response.batch_item_failures.is_empty());
    assert!(
        w.state.work_dir.join("index.html").is_file(),
        "full render on cold start"
    );

    // Create: the page appears in the bucket, listed in its category.
    assert!(w.object("p/NEW-1/index.html").await.is_none());
    w.save(&product("NEW-1", "kitchen", 4200)).await;
    let published = w.publish().await;
    let up = uploaded(&published);
    for key in [
        "p/NEW-1/index.html",
        "c/kitchen/index.html",
        "data/c/kitchen.json",
        "sitemap.xml",
    ] {
        assert!(up.contains(&key.to_owned()), "{key} not in {up:?}");
    }
    assert!(
        !up.iter()
            .any(|k| k.contains("garden") || k.contains("KIT-")),
        "{up:?}"
    );
    let page = w.object("p/NEW-1/index.html").await.unwrap();
    assert!(page.contains("Thing NEW-1"));
    assert!(
        w.object("c/kitchen/index.html")
            .await
            .unwrap()
            .contains("data-sku=\"NEW-1\"")
    );
    assert!(
        published[0]
            .invalidated
            .contains(&"/p/NEW-1/index.html".to_owned())
    );

    // An order's stock decrement: nothing rendered, uploaded or invalidated.
    let calls = w.invalidations().await;
    let mut kit = w.get("KIT-1").await;
    let page_before = w.object("p/KIT-1/index.html").await.unwrap();
    kit.stock -= 2;
    w.save(&kit).await;
    let published = w.publish().await;
    assert_eq!(published, [Published::default()]);
    assert_eq!(w.invalidations().await, calls, "no invalidation for stock");
    assert_eq!(w.object("p/KIT-1/index.html").await.unwrap(), page_before);

    // Price change: its page and its listings, nothing else, in one invalidation.
    let mut kit = w.get("KIT-1").await;
    kit.price = Money::new(1234, Currency::Eur);
    w.save(&kit).await;
    let published = w.publish().await;
    assert_eq!(w.invalidations().await, calls + 1, "exactly one call");
    assert_eq!(
        uploaded(&published),
        [
            "c/kitchen/index.html",
            "data/c/kitchen.json",
            "data/search.json",
            "p/KIT-1/index.html"
        ]
    );
    let price = Money::new(1234, Currency::Eur).to_string();
    let page = w.object("p/KIT-1/index.html").await.unwrap();
    assert!(page.contains(&price));
    // What went up carries no stock (the stock decrement above is nowhere in it).
    assert!(!page.contains("data-stock") && !page.contains(">In stock<"));
    assert!(
        !w.object("data/c/kitchen.json")
            .await
            .unwrap()
            .contains("\"stock\"")
    );
    assert!(
        w.object("c/kitchen/index.html")
            .await
            .unwrap()
            .contains(&price)
    );
    let mut invalidated = published[0].invalidated.clone();
    invalidated.sort();
    assert_eq!(
        invalidated,
        [
            "/c/kitchen/index.html",
            "/data/c/kitchen.json",
            "/data/search.json",
            "/p/KIT-1/index.html"
        ]
    );

    // Two products edited in one batch: one invalidation covering both.
    let mut kit = w.get("KIT-1").await;
    kit.name = "Thing KIT-1, renamed".into();
    w.save(&kit).await;
    let mut gar = w.get("GAR-1").await;
    gar.description = "Even more useful.".into();
    w.save(&gar).await;
    let published = w.publish().await;
    assert_eq!(w.invalidations().await, calls + 2, "one call for the batch");
    for path in [
        "/p/KIT-1/index.html",
        "/p/GAR-1/index.html",
        "/data/c/garden.json",
    ] {
        assert!(
            published[0].invalidated.contains(&path.to_owned()),
            "{path} in {:?}",
            published[0].invalidated
        );
    }

    // Retire: the page says so, the listing drops it.
    let mut kit2 = w.get("KIT-2").await;
    kit2.status = ProductStatus::Retired;
    w.save(&kit2).await;
    let records = w.records().await;
    assert_eq!(records.len(), 1);
    let published = catalogue_publisher::publish_record(&w.state, &records[0])
        .await
        .unwrap();
    assert!(
        published
            .uploaded
            .contains(&"p/KIT-2/index.html".to_owned())
    );
    let page = w.object("p/KIT-2/index.html").await.unwrap();
    assert!(page.contains("No longer available"));
    let listing = w.object("c/kitchen/index.html").await.unwrap();
    assert!(!listing.contains("data-sku=\"KIT-2\""));
    assert!(listing.contains("data-sku=\"KIT-1\""));
    assert!(
        !w.object("data/c/kitchen.json")
            .await
            .unwrap()
            .contains("KIT-2")
    );

    // Redelivery of the same record: same bytes, nothing uploaded or invalidated.
    let again = catalogue_publisher::publish_record(&w.state, &records[0])
        .await
        .unwrap();
    assert_eq!(again, Published::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_records_are_ignored() {
    let w = World::new().await;
    let mut record = EventRecord::default();
    record.event_name = "INSERT".into();
    let keys = record.change.keys.inner_mut();
    keys.insert(
        "PK".into(),
        serde_dynamo::AttributeValue::S("CUSTOMER#x".into()),
    );
    keys.insert(
        "SK".into(),
        serde_dynamo::AttributeValue::S("ORDER#1".into()),
    );
    let response = catalogue_publisher::handle(&w.state, event_of([record])).await;
    assert!(response.batch_item_failures.is_empty());
    assert!(
        !w.state.work_dir.join("index.html").exists(),
        "nothing rendered for an order"
    );
}
