//! Wiring: storage, connectors, actors and the HTTP server, from a [`Config`].

use std::{collections::HashSet, net::TcpListener, sync::Arc, sync::RwLock};

use actix::{Actor, Addr, Arbiter};
use actix_web::{dev::ServerHandle, web, App, HttpServer};
use utoipa_actix_web::AppExt;

use crate::{
    actors::{
        ConnectorLimits, ConnectorTable, DrainAll, HubContext, HubParts, Launcher, Router,
        Subscription, WakeAll, WakeConnectors,
    },
    api::{self, AppState, ConnectorInfo},
    config::{Config, ConfigError},
    connector::{BuildError, ConnectorSpec, ConnectorState, Registry},
    endpoints::{EndpointError, Endpoints},
    ingest::Ingestor,
    outbound::SendError,
    storage::{self, Store, StoreError},
    telemetry::Metrics,
};

/// Why the hub could not start.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Configuration problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A connector's settings are wrong.
    #[error(transparent)]
    Connector(#[from] BuildError),
    /// Storage could not be opened.
    #[error("storage: {0}")]
    Store(StoreError),
    /// Outbound client settings are wrong.
    #[error(transparent)]
    Outbound(#[from] SendError),
    /// A `[[functions]]` entry could not be set up.
    #[error(transparent)]
    Functions(#[from] crate::functions::FunctionsError),
    /// Stored runtime endpoints could not be started.
    #[error("runtime endpoints: {0}")]
    Endpoints(#[from] EndpointError),
    /// The listener could not be bound.
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}

// By hand, not `#[from]`: that would make the store error a `source` too,
// and `error: {e:#}` would print its message twice.
impl From<StoreError> for HubError {
    fn from(e: StoreError) -> Self {
        HubError::Store(e)
    }
}

/// A started hub: actors running, ready to serve HTTP.
pub struct Hub {
    state: web::Data<AppState>,
    router: Addr<Router>,
    /// The registered connector kinds, for the OpenAPI document's `kind` enum.
    kinds: Vec<&'static str>,
    _arbiters: Vec<Arbiter>,
}

/// A connector instance with its name.
pub type NamedConnector = (Arc<str>, Arc<dyn crate::connector::Connector>);

/// Builds every configured connector without starting anything (used by
/// `check` and `render` too): no storage, so no connector state.
pub fn build_connectors(
    config: &Config,
    registry: &Registry,
) -> Result<Vec<NamedConnector>, BuildError> {
    build_with_state(config, registry, None)
}

/// [`build_connectors`], each connector given its own state in `store`.
fn build_with_state(
    config: &Config,
    registry: &Registry,
    store: Option<&Arc<dyn Store>>,
) -> Result<Vec<NamedConnector>, BuildError> {
    config
        .connectors
        .iter()
        .map(|c| {
            let spec = ConnectorSpec {
                public_url: config.server.public_url.as_deref(),
                state: store.map(|s| ConnectorState::new(s.clone(), &c.name)),
                ..ConnectorSpec::new(c, &config.delivery)
            };
            let connector = registry.build(&spec)?;
            // Parsed here too so `check` and `render` report a bad filter.
            Subscription::from_config(c, &*connector)?;
            Ok((c.account.target_key(&c.name), connector))
        })
        .collect()
}

/// Lets each connector check its target before the hub serves.
async fn start_connectors(config: &Config, built: &[NamedConnector]) -> Result<(), BuildError> {
    for ((_, connector), c) in built.iter().zip(&config.connectors) {
        connector.start().await.map_err(|e| BuildError {
            name: c.name.clone(),
            kind: c.kind.clone(),
            message: e.to_string(),
        })?;
    }
    Ok(())
}

impl Hub {
    /// Opens storage, starts the router and one supervised actor per
    /// configured connector and per stored runtime endpoint. Must run inside
    /// an actix `System`.
    pub async fn start(config: &Config, registry: &Registry) -> Result<Hub, HubError> {
        let with_operations = crate::operations::target::with_operations_target(config);
        let config = &*with_operations;
        // Built once (a factory may have side effects), after storage is
        // open: each connector gets its own state in it.
        let store = storage::open(&config.storage).await?;
        let built = build_with_state(config, registry, Some(&store))?;
        start_connectors(config, &built).await?;
        let node: Arc<str> = config.node.resolved_id().into();
        let table = Arc::new(ConnectorTable::default());
        let metrics = Arc::new(Metrics::new());
        let disabled: HashSet<String> = store
            .disabled()
            .await?
            .into_iter()
            .map(|d| d.name)
            .collect();
        for ((_, connector), c) in built.iter().zip(&config.connectors) {
            let subscription = Subscription::from_config(c, &**connector)?;
            let off = disabled.contains(&*subscription.name);
            table.subscribe(subscription, off);
        }
        let router = Router::new(table.clone()).start();
        let arbiters: Vec<Arbiter> = (0..std::thread::available_parallelism()
            .map_or(2, |n| n.get()))
            .map(|_| Arbiter::new())
            .collect();
        let shared = crate::storage::Backend::of(&config.storage.url).is_ok_and(|b| b.is_shared());
        let poll = shared.then_some(config.storage.poll_interval);
        let parts = HubParts {
            store: store.clone(),
            table: table.clone(),
            node: node.clone(),
            lease: config.storage.lease,
            poll,
            metrics: metrics.clone(),
            redactor: Arc::new(crate::lifecycle::Redactor::new(&config.logging.redact)),
        };
        let launcher = Launcher::new(
            Arc::new(HubContext::new(parts, &config.delivery)),
            router.clone(),
            config.delivery.clone(),
            arbiters.iter().map(|a| a.handle()).collect(),
        );
        for ((name, connector), c) in built.into_iter().zip(&config.connectors) {
            let limits = ConnectorLimits {
                timeout: c.timeout,
                concurrency: c.concurrency,
                rate_limit: c.rate_limit,
            };
            launcher.start(name, connector, limits, true)?;
        }
        let health = launcher.hub.health.clone();
        let pacing = launcher.hub.pacing.clone();
        let cancelled = launcher.hub.cancelled.clone();
        let endpoints = Arc::new(Endpoints::new(launcher));
        endpoints.start_all().await?;
        if let Some(notices) = store.endpoint_notices() {
            actix_rt::spawn(follow_endpoint_notices(notices, endpoints.clone()));
        }
        if let Some(notices) = store.work_notices() {
            actix_rt::spawn(forward_work_notices(notices, router.clone()));
        }
        let ingestor = Ingestor::new(
            store.clone(),
            table.clone(),
            node.clone(),
            config.storage.lease,
            metrics.clone(),
        );
        crate::operations::spawn(crate::operations::SweepParts {
            store: store.clone(),
            table: table.clone(),
            ingestor: ingestor.clone(),
            book: crate::operations::TargetBook::from_config(config),
            public_url: config.server.public_url.clone(),
        });
        let connectors = config
            .connectors
            .iter()
            .map(|c| ConnectorInfo {
                name: c.name.clone(),
                account: c.account.clone(),
                kind: c.kind.clone(),
                events: c
                    .events
                    .as_ref()
                    .map(|l| l.iter().map(|t| t.to_string()).collect()),
            })
            .collect();
        let functions = Arc::new(crate::functions::Functions::build(
            config,
            store.clone(),
            node.clone(),
            metrics.clone(),
        )?);
        let state = web::Data::new(AppState {
            ingest_token: config.server.ingest_token.clone().expect("validated"),
            admin_token: config.server.admin_token.clone().expect("validated"),
            max_body: config.server.max_body_bytes,
            max_header_bytes: config.server.max_header_bytes,
            ingest_limiter: api::IngestLimiter::new(
                config.server.ingest_rate_limit,
                config.server.ingest_rate_burst,
            ),
            ingestor,
            store,
            router: router.clone(),
            subscriptions: table,
            connectors: RwLock::new(connectors),
            node,
            functions,
            endpoints,
            health,
            pacing,
            cancelled,
            metrics: metrics.clone(),
            public_metrics: !config.server.metrics_require_token,
        });
        actix_rt::spawn(metrics_upkeep(metrics));
        actix_rt::spawn(crate::lifecycle::retention::run(
            state.store.clone(),
            config.retention.clone(),
        ));
        tracing::info!(connectors = config.connectors.len(), node = %state.node, "hub started");
        Ok(Hub {
            state,
            router,
            kinds: registry.kinds(),
            _arbiters: arbiters,
        })
    }

    /// Storage, for tools and tests.
    pub fn store(&self) -> Arc<dyn Store> {
        self.state.store.clone()
    }

    /// Serves the APIs on `listener` until the server is stopped (SIGTERM,
    /// SIGINT, or the handle), then drains connector actors: in-flight
    /// attempts finish, queued work is handed back to storage.
    pub fn serve(
        self,
        listener: TcpListener,
        handle_signals: bool,
    ) -> Result<RunningHub, HubError> {
        let state = self.state.clone();
        let document = api::openapi::document(&self.kinds);
        let routes = web::Data::new(api::KnownRoutes::from_document(&document));
        let openapi = web::Data::new(api::openapi::Served(document));
        let server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .app_data(state.clone())
                .app_data(openapi.clone())
                .app_data(routes.clone())
                .configure(api::configure)
                .into_app()
                // Wraps the whole app (API and dashboard): header limits hold everywhere.
                .wrap(actix_web::middleware::from_fn(api::limit_headers))
                .wrap(actix_web::middleware::from_fn(api::refuse_nul_in_path))
                .configure(crate::dashboard::configure)
                .default_service(web::to(api::not_found_or_not_allowed))
        })
        .listen(listener)?
        .shutdown_timeout(10)
        // actix-server's own handlers stop the whole System, killing connector
        // actors mid-attempt; ours stop the server, then drain the actors.
        .disable_signals()
        .run();
        let handle = server.handle();
        if handle_signals {
            actix_rt::spawn(stop_on_signal(handle.clone()));
        }
        let router = self.router.clone();
        let done = actix_rt::spawn(async move {
            let result = server.await;
            let _ = router.send(DrainAll).await;
            tracing::info!("hub stopped");
            drop(self);
            result
        });
        Ok(RunningHub { handle, done })
    }
}

async fn stop_on_signal(handle: ServerHandle) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot install signal handlers; stop the hub with SIGKILL");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received; finishing in-flight work"),
        _ = int.recv() => tracing::info!("SIGINT received; finishing in-flight work"),
    }
    handle.stop(true).await;
}

/// Folds histogram samples into buckets now and then, so a hub nobody
/// scrapes does not accumulate raw samples.
async fn metrics_upkeep(metrics: Arc<Metrics>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        metrics.upkeep();
    }
}

/// Wakes connector actors when another node announces work for them (an
/// empty name: notices may have been lost, wake them all).
async fn forward_work_notices(
    mut notices: tokio::sync::mpsc::UnboundedReceiver<String>,
    router: Addr<Router>,
) {
    while let Some(name) = notices.recv().await {
        if name.is_empty() {
            router.do_send(WakeAll);
        } else {
            router.do_send(WakeConnectors(vec![name]));
        }
    }
}

/// Applies endpoint changes other nodes announce.
async fn follow_endpoint_notices(
    mut notices: tokio::sync::mpsc::UnboundedReceiver<String>,
    endpoints: Arc<Endpoints>,
) {
    while let Some(id) = notices.recv().await {
        if let Err(e) = endpoints.reload(&id).await {
            tracing::warn!(endpoint = %id, error = %e, "cannot apply an endpoint change from another node; it applies at the next restart");
        }
    }
}

/// A serving hub.
pub struct RunningHub {
    handle: ServerHandle,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningHub {
    /// Stops accepting requests, finishes in-flight work, and waits.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = self.done.await;
    }

    /// Waits until the server stops (on a signal).
    pub async fn wait(self) -> std::io::Result<()> {
        self.done.await.unwrap_or(Ok(()))
    }
}
