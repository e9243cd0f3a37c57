//! The object store attachments are kept in, from `--attachments-store`: a folder on
//! this machine, or an S3 (or S3-compatible) bucket and prefix.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use sea_orm::{DatabaseConnection, DbBackend};

/// Where attachments go when no store is configured on PostgreSQL (or an in-memory
/// SQLite), relative to the working directory.
pub const DEFAULT_FOLDER: &str = "parley-attachments";

/// An object store, the prefix every key is under, and how to name it in logs.
pub struct Opened {
    pub store: Arc<dyn ObjectStore>,
    pub prefix: Path,
    pub described: String,
}

/// Opens the store `spec` names: an `s3://bucket/prefix` URL (configured from the
/// `AWS_*` environment variables, as the AWS tools are), a `file://` URL, or a
/// folder. Nothing is created yet: a folder is made on the first upload.
pub fn open(spec: &str) -> anyhow::Result<Opened> {
    if !spec.contains("://") {
        return folder(&std::path::absolute(spec)?);
    }
    let url = url::Url::parse(spec).with_context(|| format!("`{spec}` is not a URL"))?;
    match url.scheme() {
        "s3" | "s3a" => {
            let store = AmazonS3Builder::from_env()
                .with_url(spec)
                .build()
                .with_context(|| format!("cannot configure the S3 store `{spec}`"))?;
            Ok(Opened {
                store: Arc::new(store),
                prefix: Path::from(url.path()),
                described: spec.to_owned(),
            })
        }
        "file" => {
            let path = url
                .to_file_path()
                .map_err(|()| anyhow::anyhow!("`{spec}` is not a local path"))?;
            folder(&path)
        }
        other => anyhow::bail!(
            "attachments can be kept in a folder or an `s3://` bucket, not `{other}://`"
        ),
    }
}

/// A folder, given as an absolute path, through the local file system store.
fn folder(path: &FsPath) -> anyhow::Result<Opened> {
    let prefix = Path::from_absolute_path(path)
        .with_context(|| format!("`{}` cannot hold attachments", path.display()))?;
    Ok(Opened {
        store: Arc::new(LocalFileSystem::new()),
        prefix,
        described: path.display().to_string(),
    })
}

/// The folder attachments go to by default: beside the SQLite file
/// (`<file>.attachments`), or [`DEFAULT_FOLDER`] on PostgreSQL.
pub fn default_folder(db: &DatabaseConnection) -> PathBuf {
    if db.get_database_backend() == DbBackend::Sqlite {
        let pool = db.get_sqlite_connection_pool();
        let options = pool.connect_options();
        let file = options.get_filename();
        let name = file.to_string_lossy();
        // An in-memory database has no file to sit beside.
        if !name.is_empty() && name != ":memory:" && !name.starts_with("file:") {
            let mut beside = file.as_os_str().to_owned();
            beside.push(".attachments");
            return PathBuf::from(beside);
        }
    }
    PathBuf::from(DEFAULT_FOLDER)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn stores_are_named_by_folder_or_url() {
        let folder = open("/var/lib/parley files").unwrap();
        assert_eq!(folder.prefix.as_ref(), "var/lib/parley files");
        let url = open("file:///var/lib/parley").unwrap();
        assert_eq!(url.prefix.as_ref(), "var/lib/parley");
        let relative = open("parley-attachments").unwrap();
        assert!(relative.prefix.as_ref().ends_with("/parley-attachments"));
        let s3 = open("s3://bucket/some/prefix").unwrap();
        assert_eq!(s3.prefix.as_ref(), "some/prefix");
        assert!(open("ftp://host/folder").is_err());
    }
}
