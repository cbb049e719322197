fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let server = replica_fixture_server::FixtureServer::start_on("127.0.0.1:8899".parse()?, "fixtures/sites").await?;
        println!("{}", server.url("/"));
        tokio::signal::ctrl_c().await?;
        Ok(())
    })
}
