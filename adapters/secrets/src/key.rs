//! The master key: 32 random bytes, read from `ONRAMP_ENCRYPTION_KEY` (base64) or a key file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng as _;
use secrecy::zeroize::Zeroizing;

/// Length of a master key in bytes (AES-256 and HMAC-SHA256 keys are derived from it).
pub const MASTER_KEY_LEN: usize = 32;

/// The one secret every other server key is derived from (HKDF-SHA256, see [`crate::AesGcmSecrets`]).
///
/// The bytes are wiped from memory when the key is dropped, and `Debug` prints
/// `MasterKey([redacted])`, so the key never reaches a log by accident.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; MASTER_KEY_LEN]>);

/// Why a master key could not be read or created. No variant carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The text is not standard base64 (RFC 4648 alphabet with `=` padding).
    #[error(
        "the encryption key is not standard base64 (generate one with `openssl rand -base64 32`)"
    )]
    NotBase64,
    /// The text is base64 but does not decode to exactly 32 bytes.
    #[error(
        "the encryption key decodes to {bytes} bytes; it must be exactly 32 (44 base64 characters)"
    )]
    WrongLength {
        /// How many bytes the text decoded to.
        bytes: usize,
    },
    /// The key file could not be read, created or written.
    #[error("cannot read or create the key file {}", path.display())]
    Io {
        /// The key file.
        path: PathBuf,
        /// What the operating system reported.
        #[source]
        source: std::io::Error,
    },
    /// The key file exists but does not hold a valid key (for example it is empty).
    #[error("key file {} does not hold a valid key", path.display())]
    InvalidFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong with its contents ([`KeyError::NotBase64`] or [`KeyError::WrongLength`]).
        #[source]
        source: Box<KeyError>,
    },
}

impl MasterKey {
    /// Parses standard base64 (with padding) of exactly 32 bytes, the format of
    /// `ONRAMP_ENCRYPTION_KEY`. Surrounding white space (a trailing newline) is ignored.
    ///
    /// # Errors
    /// [`KeyError::NotBase64`] or [`KeyError::WrongLength`].
    pub fn from_base64(text: &str) -> Result<MasterKey, KeyError> {
        let decoded = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| KeyError::NotBase64)?,
        );
        let bytes: [u8; MASTER_KEY_LEN] =
            decoded
                .as_slice()
                .try_into()
                .map_err(|_| KeyError::WrongLength {
                    bytes: decoded.len(),
                })?;
        Ok(MasterKey(Zeroizing::new(bytes)))
    }

    /// A new random key from the thread-local CSPRNG (ChaCha12 seeded and periodically
    /// reseeded from the operating system).
    pub fn generate() -> MasterKey {
        let mut bytes = Zeroizing::new([0u8; MASTER_KEY_LEN]);
        rand::rng().fill_bytes(bytes.as_mut());
        MasterKey(bytes)
    }

    /// The key as standard base64 with padding (44 characters), the format
    /// [`MasterKey::from_base64`] reads.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.as_ref())
    }

    /// Reads the key file at `path`, or creates it (mode 0600 on unix) with a generated key
    /// when it does not exist. Returns the key and whether the file was created.
    ///
    /// The file holds the base64 key and a newline. Creation uses `create_new`, so two processes
    /// starting at once cannot both create a key: the loser reads the winner's file. The parent
    /// directory must exist (it is not created, so a mistyped path fails instead of scattering
    /// keys).
    ///
    /// # Errors
    /// [`KeyError::Io`] when the file cannot be read or written, [`KeyError::InvalidFile`] when
    /// it exists but does not hold a key (an empty file left by a crash during creation must be
    /// deleted by hand: nothing can have been encrypted with a key that was never written).
    pub fn load_or_create_file(path: &Path) -> Result<(MasterKey, bool), KeyError> {
        let io = |source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        match create_new_private(path) {
            Ok(mut file) => {
                let key = MasterKey::generate();
                let mut text = Zeroizing::new(key.to_base64());
                text.push('\n');
                file.write_all(text.as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                sync_parent_dir(path).map_err(io)?;
                Ok((key, true))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io)?);
                let key = MasterKey::from_base64(&text).map_err(|e| KeyError::InvalidFile {
                    path: path.to_path_buf(),
                    source: Box::new(e),
                })?;
                Ok((key, false))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The raw key bytes, for key derivation inside this crate.
    pub(crate) fn bytes(&self) -> &[u8; MASTER_KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

/// Creates `path`, failing with `AlreadyExists` if it exists; readable by the owner only on unix.
fn create_new_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Makes the new directory entry durable, so a power cut cannot lose a key that has already
/// encrypted data. Only meaningful (and only possible) on unix.
fn sync_parent_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_show_the_key() {
        let key = MasterKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        assert_eq!(format!("{key:?}"), "MasterKey([redacted])");
    }

    #[test]
    fn base64_round_trips_and_ignores_a_trailing_newline() {
        let key = MasterKey::generate();
        let text = format!("{}\n", key.to_base64());
        assert_eq!(text.len(), 45);
        assert_eq!(MasterKey::from_base64(&text).unwrap().bytes(), key.bytes());
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(MasterKey::generate().bytes(), MasterKey::generate().bytes());
    }
}
