//! A hub binary with one extra connector kind: everything Switchboard ships, plus `discord`.

use anyhow::Context;
use switchboard_core::{config::Config, hub::Hub};

fn main() -> anyhow::Result<()> {
    let path = std::env::args().skip_while(|a| a != "--config").nth(1);
    actix_rt::System::new().block_on(async move {
        let (config, _) = Config::load(path.as_deref().map(std::path::Path::new))?;
        let mut registry = switchboard::registry::registry();
        registry.register(switchboard_example_discord::PLUGIN);
        let hub = Hub::start(&config, &registry).await?;
        let listener =
            std::net::TcpListener::bind(config.server.listen).context("cannot listen")?;
        println!(
            "hub with the discord connector on http://{}",
            config.server.listen
        );
        hub.serve(listener, true)?.wait().await?;
        Ok(())
    })
}
