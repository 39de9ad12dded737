//! The one hash datapact uses (inputs, outputs, provenance, library fingerprints): SHA-256,
//! written as lower-case hex.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(Sha256::digest(bytes))
}

/// Bytes (a finished digest) as lower-case hex.
pub fn hex(digest: impl AsRef<[u8]>) -> String {
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
