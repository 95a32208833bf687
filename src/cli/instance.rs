//! `instance gen`: Pleroma's `pleroma_ctl instance gen` (lib/mix/tasks/pleroma/instance.ex)
//! writes a config file from a few answers; here the answers are flags (with Pleroma's
//! defaults, no prompts, so scripts can run it) and the file is commented TOML that
//! `--config FILE` reads. It changes no database, so nothing goes to the moderation log.
use std::{net::IpAddr, path::PathBuf};

use clap::Subcommand;

#[derive(Subcommand)]
pub enum InstanceCommand {
    /// Write a commented TOML config file (`--config FILE` reads it).
    Gen {
        /// Where to write it.
        #[arg(short, long, default_value = "config.toml")]
        output: PathBuf,
        /// Overwrite an existing file.
        #[arg(short, long)]
        force: bool,
        /// The instance's public domain (its URL is https://DOMAIN).
        #[arg(long, default_value = "localhost")]
        domain: String,
        /// The instance's name.
        #[arg(long, default_value = "Pleroma")]
        instance_name: String,
        /// The admin's contact email (shown on the instance page).
        #[arg(long, default_value = "")]
        admin_email: String,
        /// Sender address of the instance's mails.
        #[arg(long)]
        notify_email: Option<String>,
        /// PostgreSQL host; without --dbhost, --dbname, --dbuser and --dbpass the database is SQLite in the data directory.
        #[arg(long)]
        dbhost: Option<String>,
        /// PostgreSQL database name (create it first: `createdb NAME`).
        #[arg(long)]
        dbname: Option<String>,
        /// PostgreSQL user.
        #[arg(long)]
        dbuser: Option<String>,
        /// PostgreSQL password (written into the file: keep it private).
        #[arg(long)]
        dbpass: Option<String>,
        /// Keep settings saved through the admin API in the database (true or false).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        db_configurable: bool,
        /// IP address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        listen_ip: IpAddr,
        /// Port to listen on.
        #[arg(long, default_value_t = 4000)]
        listen_port: u16,
    },
}

/// A TOML string (basic string, escaped).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `data_dir`: the global `--data-dir` (default `./data`), written into the file.
pub fn run(command: &InstanceCommand, data_dir: Option<&std::path::Path>) -> Result<(), String> {
    let data_dir = data_dir.unwrap_or(std::path::Path::new("./data"));
    let InstanceCommand::Gen {
        output,
        force,
        domain,
        instance_name,
        admin_email,
        notify_email,
        dbhost,
        dbname,
        dbuser,
        dbpass,
        db_configurable,
        listen_ip,
        listen_port,
    } = command;
    if output.exists() && !force {
        return Err(format!("{} exists already; add --force to overwrite it", output.display()));
    }
    let postgres = dbhost.is_some() || dbname.is_some() || dbuser.is_some() || dbpass.is_some();
    let database = if postgres {
        let mut url = url::Url::parse("postgres://localhost/pleroma").map_err(|e| e.to_string())?;
        url.set_host(Some(dbhost.as_deref().unwrap_or("localhost"))).map_err(|e| format!("--dbhost: {e}"))?;
        url.set_path(dbname.as_deref().unwrap_or("pleroma"));
        let _ = url.set_username(dbuser.as_deref().unwrap_or("pleroma"));
        let _ = url.set_password(dbpass.as_deref());
        format!(
            "# PostgreSQL; create the database first (`createdb -O {user} {name}`): the gateway makes its tables.\n\
             database_url = {url}",
            user = dbuser.as_deref().unwrap_or("pleroma"),
            name = dbname.as_deref().unwrap_or("pleroma"),
            url = quoted(url.as_str()),
        )
    } else {
        "# SQLite in the data directory (created on first start); for PostgreSQL:\n\
         # database_url = \"postgres://pleroma:PASSWORD@localhost/pleroma\""
            .to_string()
    };
    let listen = std::net::SocketAddr::new(*listen_ip, *listen_port);
    let instance_url =
        if domain == "localhost" { format!("http://localhost:{listen_port}") } else { format!("https://{domain}") };
    let notify = notify_email.clone().unwrap_or_else(|| format!("noreply@{domain}"));
    let text = format!(
        "# pleroma-gateway configuration, written by `pleroma-gateway instance gen`.\n\
         # Read with `pleroma-gateway --config {output}`; every key is optional (README, Configuration).\n\
         \n\
         # Address to serve on (IP:PORT); put a reverse proxy in front for TLS.\n\
         listen = {listen}\n\
         # The public base URL: links and ActivityPub ids. Stored at first start; change it with\n\
         # --change-instance-url (accounts made before keep their addresses).\n\
         instance_url = {instance_url}\n\
         # SQLite file, uploads, static files (emoji, frontends), mail outbox.\n\
         data_dir = {data_dir}\n\
         {database}\n\
         # Settings saved through /api/v1/pleroma/admin/config apply over this file.\n\
         configurable_from_database = {db_configurable}\n\
         \n\
         [instance]\n\
         name = {name}\n\
         # The admin's contact address, shown on the instance page.\n\
         email = {email}\n\
         registrations_open = true\n\
         \n\
         [mailer]\n\
         # Without smtp_url, mails are .eml files in the data directory's outbox.\n\
         enabled = true\n\
         # smtp_url = \"smtps://user:pass@mail.example.org:465\"\n\
         from = {notify}\n\
         \n\
         [remote_ip]\n\
         # CIDRs of your reverse proxies: their X-Forwarded-For and X-Request-Id are trusted.\n\
         proxies = []\n",
        output = output.display(),
        listen = quoted(&listen.to_string()),
        instance_url = quoted(&instance_url),
        data_dir = quoted(&data_dir.display().to_string()),
        name = quoted(instance_name),
        email = quoted(admin_email),
        notify = quoted(&notify),
    );
    std::fs::write(output, text).map_err(|e| format!("{}: {e}", output.display()))?;
    println!("Writing config to {}.", output.display());
    println!("Start the server with: pleroma-gateway --config {}", output.display());
    Ok(())
}
