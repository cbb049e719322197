//! The commands a sandbox may run (DESIGN.md §7): installing the project's own dependencies or
//! one allowlisted package at its pinned version, running Next.js on a port, and version
//! checks. Nothing else, so a generated file or a model's suggestion can never become an
//! arbitrary command.

use replica_core::INSTALLABLE_PACKAGES;

use crate::SandboxPoolError;

/// Flags `npm install` / `npm ci` may take: they change how, never what, is installed.
pub const NPM_FLAGS: &[&str] = &[
    "--no-audit",
    "--no-fund",
    "--no-progress",
    "--prefer-offline",
    "--ignore-scripts",
];

/// Hosts `next dev`/`next start` may bind: loopback for the local provider, all interfaces
/// for a remote sandbox whose provider exposes the port.
const HOSTS: &[&str] = &["127.0.0.1", "localhost", "::1", "0.0.0.0"];

/// A command a sandbox is allowed to run, parsed from argv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedCommand {
    /// `npm install` of the project's package.json, no package arguments.
    NpmInstall { flags: Vec<&'static str> },
    /// `npm install <name>@<version>` of a package in `replica_core::INSTALLABLE_PACKAGES`,
    /// at exactly its pinned version.
    NpmInstallPackage {
        name: &'static str,
        version: &'static str,
        flags: Vec<&'static str>,
    },
    /// `npm ci` of the project's lock file.
    NpmCi { flags: Vec<&'static str> },
    /// `npx next dev --port N [--hostname H]`.
    NextDev {
        port: u16,
        hostname: Option<&'static str>,
    },
    /// `npx next build`.
    NextBuild,
    /// `npx next start --port N [--hostname H]`.
    NextStart {
        port: u16,
        hostname: Option<&'static str>,
    },
    /// `node --version`.
    NodeVersion,
    /// `npm --version`.
    NpmVersion,
}

impl AllowedCommand {
    /// Parses argv (program first), refusing anything not on the allowlist with an error that
    /// names the command.
    pub fn parse<S: AsRef<str>>(argv: &[S]) -> Result<AllowedCommand, SandboxPoolError> {
        let args: Vec<&str> = argv.iter().map(AsRef::as_ref).collect();
        let refuse = |reason: &str| SandboxPoolError::CommandNotAllowed {
            command: args.join(" "),
            reason: reason.to_string(),
        };
        match args.as_slice() {
            [] => Err(refuse("the command is empty")),
            ["node", "--version" | "-v"] => Ok(AllowedCommand::NodeVersion),
            ["npm", "--version" | "-v"] => Ok(AllowedCommand::NpmVersion),
            ["npm", "install" | "i", rest @ ..] => {
                let (packages, flags): (Vec<&str>, Vec<&str>) =
                    rest.iter().partition(|arg| !arg.starts_with('-'));
                let flags = npm_flags(&flags).map_err(|e| refuse(&e))?;
                match packages[..] {
                    [] => Ok(AllowedCommand::NpmInstall { flags }),
                    [spec] => {
                        let (name, version) = allowed_package(spec).map_err(|e| refuse(&e))?;
                        Ok(AllowedCommand::NpmInstallPackage {
                            name,
                            version,
                            flags,
                        })
                    }
                    _ => Err(refuse("one package at a time may be installed")),
                }
            }
            ["npm", "ci", rest @ ..] => Ok(AllowedCommand::NpmCi {
                flags: npm_flags(rest).map_err(|e| refuse(&e))?,
            }),
            ["npx", "next", "build"] => Ok(AllowedCommand::NextBuild),
            ["npx", "next", "build", ..] => Err(refuse("`next build` takes no options here")),
            ["npx", "next", "dev", rest @ ..] => {
                let (port, hostname) = server_options(rest).map_err(|e| refuse(&e))?;
                Ok(AllowedCommand::NextDev { port, hostname })
            }
            ["npx", "next", "start", rest @ ..] => {
                let (port, hostname) = server_options(rest).map_err(|e| refuse(&e))?;
                Ok(AllowedCommand::NextStart { port, hostname })
            }
            ["npx", "next", ..] => Err(refuse(
                "only `next dev`, `next build` and `next start` may run",
            )),
            ["npm", ..] => Err(refuse(
                "only `npm install`, `npm ci` and `npm --version` may run",
            )),
            ["npx", ..] => Err(refuse("npx may only run the project's own `next`")),
            ["node", ..] => Err(refuse("node may only report its version")),
            [program, ..] => Err(refuse(&format!("{program} is not on the allowlist"))),
        }
    }

    /// The program and arguments to spawn, in canonical form.
    pub fn argv(&self) -> Vec<String> {
        let mut argv: Vec<String> = match self {
            AllowedCommand::NpmInstall { flags } => ["npm", "install"]
                .into_iter()
                .chain(flags.iter().copied())
                .map(String::from)
                .collect(),
            AllowedCommand::NpmInstallPackage {
                name,
                version,
                flags,
            } => [
                "npm".to_owned(),
                "install".to_owned(),
                format!("{name}@{version}"),
            ]
            .into_iter()
            .chain(flags.iter().map(|flag| (*flag).to_owned()))
            .collect(),
            AllowedCommand::NpmCi { flags } => ["npm", "ci"]
                .into_iter()
                .chain(flags.iter().copied())
                .map(String::from)
                .collect(),
            AllowedCommand::NextBuild => vec!["npx".into(), "next".into(), "build".into()],
            AllowedCommand::NextDev { port, .. } | AllowedCommand::NextStart { port, .. } => {
                let subcommand = if matches!(self, AllowedCommand::NextDev { .. }) {
                    "dev"
                } else {
                    "start"
                };
                vec![
                    "npx".into(),
                    "next".into(),
                    subcommand.into(),
                    "--port".into(),
                    port.to_string(),
                ]
            }
            AllowedCommand::NodeVersion => vec!["node".into(), "--version".into()],
            AllowedCommand::NpmVersion => vec!["npm".into(), "--version".into()],
        };
        if let AllowedCommand::NextDev {
            hostname: Some(host),
            ..
        }
        | AllowedCommand::NextStart {
            hostname: Some(host),
            ..
        } = self
        {
            argv.extend(["--hostname".to_string(), host.to_string()]);
        }
        argv
    }
}

fn npm_flags(args: &[&str]) -> Result<Vec<&'static str>, String> {
    args.iter()
        .map(|arg| {
            NPM_FLAGS
                .iter()
                .copied()
                .find(|flag| flag == arg)
                .ok_or_else(|| format!("the flag {arg} is not allowed"))
        })
        .collect()
}

/// `name@version` of an installable package at its pinned version.
fn allowed_package(spec: &str) -> Result<(&'static str, &'static str), String> {
    // A scoped name starts with '@', so the version is after the last '@' past the first.
    let (name, version) = match spec.rfind('@') {
        Some(at) if at > 0 => (&spec[..at], Some(&spec[at + 1..])),
        _ => (spec, None),
    };
    let Some((name, pinned)) = INSTALLABLE_PACKAGES.iter().find(|(n, _)| *n == name) else {
        return Err(format!(
            "installing {spec} is not allowed; only the project's package.json and the \
             allowlisted packages are installed"
        ));
    };
    match version {
        Some(version) if version == *pinned => Ok((name, pinned)),
        _ => Err(format!(
            "{name} may only be installed at its pinned version: npm install {name}@{pinned}"
        )),
    }
}

/// `--port N` (or `-p N`, `--port=N`) is required; `--hostname H` (`-H H`) is optional.
fn server_options(args: &[&str]) -> Result<(u16, Option<&'static str>), String> {
    let mut port = None;
    let mut hostname = None;
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (args[i], None),
        };
        let is_port = match flag {
            "-p" | "--port" => true,
            "-H" | "--hostname" => false,
            _ => return Err(format!("the option {flag} is not allowed")),
        };
        let value = match inline {
            Some(value) => value,
            None => {
                i += 1;
                args.get(i)
                    .copied()
                    .ok_or_else(|| format!("{flag} needs a value"))?
            }
        };
        if is_port {
            port = Some(parse_port(value)?);
        } else {
            let host = HOSTS.iter().copied().find(|host| *host == value);
            hostname = Some(host.ok_or_else(|| format!("binding to {value} is not allowed"))?);
        }
        i += 1;
    }
    let port = port.ok_or("a port is required (--port N)")?;
    Ok((port, hostname))
}

fn parse_port(value: &str) -> Result<u16, String> {
    match value.parse::<u16>() {
        // Privileged ports would need root, and 0 would pick a port nobody knows.
        Ok(port) if port >= 1024 => Ok(port),
        Ok(port) => Err(format!("port {port} is not allowed (use 1024-65535)")),
        Err(_) => Err(format!("{value:?} is not a port number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(command: &str) -> Result<AllowedCommand, SandboxPoolError> {
        let argv: Vec<&str> = command.split_whitespace().collect();
        AllowedCommand::parse(&argv)
    }

    #[test]
    fn allowed_commands() {
        let cases = [
            (
                "npm install",
                AllowedCommand::NpmInstall { flags: vec![] },
                "npm install",
            ),
            (
                "npm i --no-audit --prefer-offline",
                AllowedCommand::NpmInstall {
                    flags: vec!["--no-audit", "--prefer-offline"],
                },
                "npm install --no-audit --prefer-offline",
            ),
            (
                "npm install zod@4.6.7 --ignore-scripts",
                AllowedCommand::NpmInstallPackage {
                    name: "zod",
                    version: "4.6.7",
                    flags: vec!["--ignore-scripts"],
                },
                "npm install zod@4.6.7 --ignore-scripts",
            ),
            (
                "npm i @radix-ui/react-slider@1.6.1",
                AllowedCommand::NpmInstallPackage {
                    name: "@radix-ui/react-slider",
                    version: "1.6.1",
                    flags: vec![],
                },
                "npm install @radix-ui/react-slider@1.6.1",
            ),
            (
                "npm ci --ignore-scripts",
                AllowedCommand::NpmCi {
                    flags: vec!["--ignore-scripts"],
                },
                "npm ci --ignore-scripts",
            ),
            (
                "npx next build",
                AllowedCommand::NextBuild,
                "npx next build",
            ),
            (
                "npx next dev -p 3100",
                AllowedCommand::NextDev {
                    port: 3100,
                    hostname: None,
                },
                "npx next dev --port 3100",
            ),
            (
                "npx next dev --port=3100 -H 127.0.0.1",
                AllowedCommand::NextDev {
                    port: 3100,
                    hostname: Some("127.0.0.1"),
                },
                "npx next dev --port 3100 --hostname 127.0.0.1",
            ),
            (
                "npx next start --hostname 0.0.0.0 --port 8080",
                AllowedCommand::NextStart {
                    port: 8080,
                    hostname: Some("0.0.0.0"),
                },
                "npx next start --port 8080 --hostname 0.0.0.0",
            ),
            (
                "node --version",
                AllowedCommand::NodeVersion,
                "node --version",
            ),
            ("node -v", AllowedCommand::NodeVersion, "node --version"),
            ("npm --version", AllowedCommand::NpmVersion, "npm --version"),
        ];
        for (command, expected, canonical) in cases {
            let parsed = parse(command).unwrap_or_else(|e| panic!("{command}: {e}"));
            assert_eq!(parsed, expected, "{command}");
            assert_eq!(parsed.argv().join(" "), canonical, "{command}");
            // The canonical form parses back to the same command.
            assert_eq!(
                AllowedCommand::parse(&parsed.argv()).unwrap(),
                parsed,
                "{command}"
            );
        }
    }

    #[test]
    fn refused_commands_name_the_command_and_the_reason() {
        let cases = [
            ("", "the command is empty"),
            ("rm -rf /", "rm is not on the allowlist"),
            ("bash -c ls", "bash is not on the allowlist"),
            (
                "/usr/bin/npm install",
                "/usr/bin/npm is not on the allowlist",
            ),
            (
                "npm install left-pad",
                "installing left-pad is not allowed; only the project's package.json and the allowlisted packages are installed",
            ),
            (
                "npm install left-pad@1.3.0",
                "installing left-pad@1.3.0 is not allowed; only the project's package.json and the allowlisted packages are installed",
            ),
            (
                "npm install zod",
                "zod may only be installed at its pinned version: npm install zod@4.6.7",
            ),
            (
                "npm install zod@latest",
                "zod may only be installed at its pinned version: npm install zod@4.6.7",
            ),
            (
                "npm install zod@4.6.7 date-fns@4.4.0",
                "one package at a time may be installed",
            ),
            (
                "npm install @radix-ui/react-slider",
                "@radix-ui/react-slider may only be installed at its pinned version: npm install @radix-ui/react-slider@1.6.1",
            ),
            (
                "npm install zod@4.6.7 --global",
                "the flag --global is not allowed",
            ),
            ("npm install --global", "the flag --global is not allowed"),
            (
                "npm run dev",
                "only `npm install`, `npm ci` and `npm --version` may run",
            ),
            (
                "npm exec next",
                "only `npm install`, `npm ci` and `npm --version` may run",
            ),
            (
                "npx create-next-app",
                "npx may only run the project's own `next`",
            ),
            (
                "npx next lint",
                "only `next dev`, `next build` and `next start` may run",
            ),
            (
                "npx next build --debug",
                "`next build` takes no options here",
            ),
            ("npx next dev", "a port is required (--port N)"),
            ("npx next dev -p", "-p needs a value"),
            (
                "npx next dev -p 80",
                "port 80 is not allowed (use 1024-65535)",
            ),
            (
                "npx next dev -p 0",
                "port 0 is not allowed (use 1024-65535)",
            ),
            ("npx next dev -p 70000", "\"70000\" is not a port number"),
            (
                "npx next start -p 3000 --turbo",
                "the option --turbo is not allowed",
            ),
            (
                "npx next dev -p 3000 -H 10.0.0.5",
                "binding to 10.0.0.5 is not allowed",
            ),
            ("node server.js", "node may only report its version"),
            ("node -e process.exit()", "node may only report its version"),
        ];
        for (command, reason) in cases {
            match parse(command) {
                Err(SandboxPoolError::CommandNotAllowed {
                    command: named,
                    reason: given,
                }) => {
                    assert_eq!(named, command);
                    assert_eq!(given, reason, "{command}");
                }
                other => panic!("{command:?} should be refused, got {other:?}"),
            }
        }
        let message = parse("rm -rf /").unwrap_err().to_string();
        assert_eq!(
            message,
            "`rm -rf /` is not allowed in a sandbox: rm is not on the allowlist"
        );
    }
}
