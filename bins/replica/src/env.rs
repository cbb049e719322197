//! Every environment variable `replica` reads, in one table. Only this binary reads the
//! environment: the libraries take config structs or a lookup the binary hands them. The table
//! gives `replica config` its list and each command's `--help` the variables it reads.

/// One variable: its name, what it sets, and the commands that read it.
pub struct Variable {
    pub name: &'static str,
    pub meaning: &'static str,
    /// A key or token: its value is never printed, only whether it is set.
    pub secret: bool,
    pub commands: &'static [&'static str],
}

const CLONE_CHAT_NEW_SERVE: &[&str] = &["clone", "chat", "new", "serve"];
const BROWSER_COMMANDS: &[&str] = &["clone", "serve", "scrape", "compare"];
const POLICY_COMMANDS: &[&str] = &["clone", "serve", "scrape"];
const SERVE: &[&str] = &["serve"];

const fn variable(
    name: &'static str,
    meaning: &'static str,
    commands: &'static [&'static str],
) -> Variable {
    Variable {
        name,
        meaning,
        secret: false,
        commands,
    }
}

const fn secret(
    name: &'static str,
    meaning: &'static str,
    commands: &'static [&'static str],
) -> Variable {
    Variable {
        name,
        meaning,
        secret: true,
        commands,
    }
}

pub const VARIABLES: &[Variable] = &[
    variable(
        "REPLICA_LLM",
        "language model: none, anthropic, openai, gemini or replay (unset: the first provider whose key is set)",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_MODEL",
        "the provider's model, instead of its default",
        CLONE_CHAT_NEW_SERVE,
    ),
    secret(
        "ANTHROPIC_API_KEY",
        "Anthropic API key",
        CLONE_CHAT_NEW_SERVE,
    ),
    secret("OPENAI_API_KEY", "OpenAI API key", CLONE_CHAT_NEW_SERVE),
    secret("GEMINI_API_KEY", "Gemini API key", CLONE_CHAT_NEW_SERVE),
    variable(
        "ANTHROPIC_BASE_URL",
        "a proxy in front of the Anthropic API",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "OPENAI_BASE_URL",
        "an OpenAI-compatible server (with REPLICA_LLM=openai it needs no key)",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "GEMINI_BASE_URL",
        "a proxy in front of the Gemini API",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_LLM_REPLAY_DIR",
        "recorded model exchanges (default fixtures/llm)",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_LLM_SCRIPT",
        "with REPLICA_LLM=replay: a scripted conversation to play",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_LLM_RECORD",
        "1: record every exchange with the real provider into the replay directory",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_LLM_CONCURRENCY",
        "model calls in flight per clone (default 4)",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_WEBDRIVER_URL",
        "a WebDriver server (Selenium Grid) to scrape with, instead of a local chromedriver",
        BROWSER_COMMANDS,
    ),
    variable(
        "REPLICA_CHROMEDRIVER",
        "the chromedriver to start (default: on the PATH)",
        BROWSER_COMMANDS,
    ),
    variable(
        "REPLICA_CHROME",
        "the browser chromedriver starts (default: the headless shell or chromium)",
        BROWSER_COMMANDS,
    ),
    variable(
        "REPLICA_ALLOW_ORIGINS",
        "private origins to admit where private addresses are refused (comma-separated; --allow-origin)",
        POLICY_COMMANDS,
    ),
    variable(
        "REPLICA_PROXY_LISTEN",
        "address on which browsers reach the URL policy proxy (--proxy-listen)",
        POLICY_COMMANDS,
    ),
    variable(
        "REPLICA_DATA_DIR",
        "where clones are stored (default ./replica-data)",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_CACHE_DIR",
        "the npm template cache (default $XDG_CACHE_HOME/replica, else ~/.cache/replica)",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_SANDBOX",
        "sandboxes: local (default) or daytona",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_SANDBOXES_DIR",
        "where local sandboxes live (default: in the temporary directory)",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "REPLICA_POOL_SIZE",
        "warm sandboxes the server keeps (default 1)",
        SERVE,
    ),
    secret(
        "DAYTONA_API_KEY",
        "Daytona API key (REPLICA_SANDBOX=daytona)",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable("DAYTONA_API_URL", "Daytona API URL", CLONE_CHAT_NEW_SERVE),
    variable("DAYTONA_TARGET", "Daytona region", CLONE_CHAT_NEW_SERVE),
    variable(
        "DAYTONA_SNAPSHOT",
        "Daytona snapshot to start sandboxes from",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "DAYTONA_IMAGE",
        "image to start Daytona sandboxes from",
        CLONE_CHAT_NEW_SERVE,
    ),
    variable(
        "DAYTONA_ORGANIZATION_ID",
        "Daytona organization",
        CLONE_CHAT_NEW_SERVE,
    ),
    secret(
        "REPLICA_API_TOKEN",
        "the server's API token (--token)",
        SERVE,
    ),
    variable(
        "REPLICA_RETENTION",
        "how long unused clones are kept (--retention)",
        SERVE,
    ),
    variable(
        "REPLICA_CORS_ORIGINS",
        "browser origins allowed to call the API (--cors-origin)",
        SERVE,
    ),
    variable(
        "REPLICA_PREVIEW_HOST",
        "domain of the previews' own hosts (--preview-host)",
        SERVE,
    ),
    variable("REPLICA_LOG", "json: log lines as JSON objects", SERVE),
];

/// The variable's value; empty or blank counts as unset.
pub fn lookup(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// The `--help` paragraph naming the variables `command` reads.
pub fn help_for(command: &str) -> Option<String> {
    let mut lines = VARIABLES
        .iter()
        .filter(|variable| variable.commands.contains(&command))
        .map(|variable| format!("  {:<24} {}", variable.name, variable.meaning))
        .peekable();
    lines.peek()?;
    Some(format!(
        "Environment (`replica config` shows the values):\n{}",
        lines.collect::<Vec<_>>().join("\n")
    ))
}

/// What `replica config` shows of a variable's value: secrets only as set.
pub fn shown_value(variable: &Variable) -> Option<String> {
    let value = lookup(variable.name)?;
    Some(if variable.secret {
        "(set, hidden)".to_string()
    } else {
        value
    })
}

/// Adds each command's variables to its `--help`.
pub fn with_help(mut command: clap::Command) -> clap::Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    for name in names {
        if let Some(help) = help_for(&name) {
            command = command.mut_subcommand(name, |sub| sub.after_help(help));
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_belongs_to_a_command_and_is_named_once() {
        let mut names: Vec<&str> = VARIABLES.iter().map(|variable| variable.name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
        assert!(
            VARIABLES
                .iter()
                .all(|variable| !variable.commands.is_empty())
        );
    }

    #[test]
    fn help_lists_the_commands_variables() {
        let clone = help_for("clone").unwrap();
        assert!(clone.contains("ANTHROPIC_API_KEY") && clone.contains("REPLICA_CHROME"));
        assert!(!clone.contains("REPLICA_API_TOKEN"));
        assert!(help_for("validate").is_none());
    }
}
