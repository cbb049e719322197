//! The control socket: `control.sock` in the data directory, a Unix socket only its owner may
//! connect to. It serves the same routes as the TCP listener; a request on it comes from the
//! same user as the server, so it needs no API token, skips the rate limits and clones under
//! the URL policy of the command line that sent it (`replica clone` hands its clones over
//! here, see `handoff.rs`).

use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use http::HeaderMap;
use replica_core::{AllowedOrigin, UrlPolicy};
use tokio::net::UnixListener;

use super::http::ApiError;

/// The socket's name in the data directory.
pub const SOCKET_NAME: &str = "control.sock";

/// Present: the CLI was started with `--deny-private`; its value lists the private origins
/// admitted all the same (comma-separated, may be empty). Absent: everything is allowed.
pub const DENY_PRIVATE_HEADER: &str = "x-replica-deny-private";

/// `no`: destroy the clone's preview when it ends instead of keeping it (the CLI's default
/// when nobody is at a terminal to look at it).
pub const KEEP_PREVIEW_HEADER: &str = "x-replica-keep-preview";

/// Marks a request that came over the control socket (set by the connection, never taken
/// from what the client sent).
#[derive(Debug, Clone, Copy)]
pub struct LocalControl;

pub fn is_local(request: &http::Request<axum::body::Body>) -> bool {
    request.extensions().get::<LocalControl>().is_some()
}

/// The options of a request that came over the control socket; `None` for any other.
pub struct Local(pub Option<LocalOptions>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Local {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Local, ApiError> {
        if parts.extensions.get::<LocalControl>().is_none() {
            return Ok(Local(None));
        }
        LocalOptions::from_headers(&parts.headers).map(|options| Local(Some(options)))
    }
}

/// What the command line asked for in its request's headers.
pub struct LocalOptions {
    pub policy: UrlPolicy,
    pub keep_preview: bool,
}

impl LocalOptions {
    pub fn from_headers(headers: &HeaderMap) -> Result<LocalOptions, ApiError> {
        let policy = match headers.get(DENY_PRIVATE_HEADER) {
            None => UrlPolicy::allow_all(),
            Some(value) => {
                let value = value.to_str().map_err(|_| {
                    ApiError::bad_request(format!("{DENY_PRIVATE_HEADER} is not text"))
                })?;
                let origins = value
                    .split(',')
                    .filter(|origin| !origin.trim().is_empty())
                    .map(|origin| origin.trim().parse::<AllowedOrigin>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|error| ApiError::bad_request(error.to_string()))?;
                UrlPolicy::public_only().allow_origins(origins)
            }
        };
        let keep_preview = headers
            .get(KEEP_PREVIEW_HEADER)
            .is_none_or(|value| value.as_bytes() != b"no");
        Ok(LocalOptions {
            policy,
            keep_preview,
        })
    }
}

/// The bound control socket; dropping it removes the socket file (when it is still ours).
pub struct ControlSocket {
    pub listener: UnixListener,
    path: PathBuf,
    inode: (u64, u64),
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        // A server started after us may have replaced the file: leave its socket alone.
        let ours = std::fs::symlink_metadata(&self.path)
            .is_ok_and(|meta| (meta.dev(), meta.ino()) == self.inode);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// [`bind`], saying on stderr why there is no socket when there is none.
pub fn open(data_dir: &Path) -> Option<ControlSocket> {
    match bind(data_dir) {
        Ok(Some(control)) => Some(control),
        Ok(None) => {
            eprintln!(
                "another replica serve answers on {}; this one has no control socket",
                data_dir.join(SOCKET_NAME).display()
            );
            None
        }
        Err(error) => {
            eprintln!(
                "warning: no control socket (replica clone will not use this server): {error:#}"
            );
            None
        }
    }
}

/// Binds `data_dir/control.sock` with mode 0600. A file left by a dead server is replaced;
/// `Ok(None)` when another live server answers on it (it keeps it).
pub fn bind(data_dir: &Path) -> anyhow::Result<Option<ControlSocket>> {
    let path = data_dir.join(SOCKET_NAME);
    if std::fs::symlink_metadata(&path).is_ok() {
        if std::os::unix::net::UnixStream::connect(&path).is_ok() {
            return Ok(None);
        }
        std::fs::remove_file(&path)
            .with_context(|| format!("removing the stale {}", path.display()))?;
    }
    // Bound inside a directory only we may enter, then made 0600 and moved into place: no
    // other user can connect in between (the umask is the whole process's, so not that).
    let private = data_dir.join(format!(".control-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&private);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&private)
        .with_context(|| format!("creating {}", private.display()))?;
    let bound = bind_in(&private, &path);
    let _ = std::fs::remove_dir_all(&private);
    bound.map(Some)
}

fn bind_in(private: &Path, path: &Path) -> anyhow::Result<ControlSocket> {
    let staged = private.join(SOCKET_NAME);
    let listener = UnixListener::bind(&staged)
        .with_context(|| format!("binding the control socket {}", staged.display()))?;
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("setting the mode of {}", staged.display()))?;
    std::fs::rename(&staged, path).with_context(|| format!("moving it to {}", path.display()))?;
    let meta = std::fs::symlink_metadata(path)?;
    Ok(ControlSocket {
        listener,
        path: path.to_path_buf(),
        inode: (meta.dev(), meta.ino()),
    })
}
