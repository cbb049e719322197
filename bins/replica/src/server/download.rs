//! `GET /api/clones/{id}/download`: the project as a zip archive.

use std::io::{Cursor, Write};

use replica_core::ProjectFiles;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

/// Zips `files` under one top-level folder `folder/`, so unpacking never scatters files into
/// the current directory. The paths were checked when they were stored.
pub fn project_zip(folder: &str, files: &ProjectFiles) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (path, file) in &files.files {
        zip.start_file(format!("{folder}/{path}"), options)?;
        zip.write_all(&file.contents)?;
    }
    Ok(zip.finish()?.into_inner())
}
