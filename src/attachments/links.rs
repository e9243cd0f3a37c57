//! Download links: `/attachments/<id>?tenant=..&expires=..&signature=..`, where the
//! signature is an HMAC-SHA256 over the tenant, the attachment's id and the expiry
//! under the server's key. Whoever holds a link may download the file until it
//! expires; nobody can make one for another file, tenant or time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::NodeKind;

/// The path every download link starts with.
pub const ROUTE: &str = "/attachments";

/// Signs and checks download links with one key.
#[derive(Clone)]
pub struct Signer(Hmac<Sha256>);

/// Why a link does not open its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// The signature does not match the tenant, the id and the expiry: tampered
    /// with, made for another file, or signed with another key.
    Invalid,
    /// A genuine link whose time has passed.
    Expired,
}

impl Signer {
    /// A signer keyed with `key` (any length; the configuration asks for 16 bytes).
    pub fn new(key: &[u8]) -> Signer {
        // HMAC takes keys of any length, so this cannot fail.
        Signer(Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!()))
    }

    /// The MAC of one link. The tenant is length-prefixed, so no two (tenant, id,
    /// expiry) triples sign the same text.
    fn mac(&self, tenant: &str, id: i64, expires: i64) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(format!("attachment\n{}\n{tenant}\n{id}\n{expires}", tenant.len()).as_bytes());
        mac
    }

    /// The signature of the link to attachment `id` of `tenant` until `expires`
    /// (seconds since the epoch), base64url without padding.
    pub fn signature(&self, tenant: &str, id: i64, expires: i64) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(tenant, id, expires).finalize().into_bytes())
    }

    /// The path and query of that link.
    pub fn path(&self, tenant: &str, id: i64, expires: i64) -> String {
        let tenant_param: String =
            url::form_urlencoded::byte_serialize(tenant.as_bytes()).collect();
        format!(
            "{ROUTE}/{}?tenant={tenant_param}&expires={expires}&signature={}",
            NodeKind::Attachment.id(id).as_str(),
            self.signature(tenant, id, expires)
        )
    }

    /// Whether a link opens attachment `id` of `tenant` at `now` (seconds since the
    /// epoch): its signature is checked first, in constant time, so an expired link
    /// is only reported as such when it is genuine.
    pub fn check(
        &self,
        tenant: &str,
        id: i64,
        expires: i64,
        signature: &str,
        now: i64,
    ) -> Result<(), LinkRefusal> {
        let given = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| LinkRefusal::Invalid)?;
        self.mac(tenant, id, expires)
            .verify_slice(&given)
            .map_err(|_| LinkRefusal::Invalid)?;
        if now >= expires {
            return Err(LinkRefusal::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_opens_only_its_own_file_tenant_and_time() {
        let signer = Signer::new(b"0123456789abcdef");
        let signature = signer.signature("tenant-1", 7, 1_000);
        assert_eq!(signer.check("tenant-1", 7, 1_000, &signature, 999), Ok(()));
        for (tenant, id, expires) in [
            ("tenant-2", 7, 1_000),
            ("tenant-1", 8, 1_000),
            ("tenant-1", 7, 2_000),
        ] {
            assert_eq!(
                signer.check(tenant, id, expires, &signature, 999),
                Err(LinkRefusal::Invalid)
            );
        }
        assert_eq!(
            signer.check("tenant-1", 7, 1_000, &signature, 1_000),
            Err(LinkRefusal::Expired)
        );
        let other = Signer::new(b"another key, also 16+ bytes");
        assert_eq!(
            other.check("tenant-1", 7, 1_000, &signature, 999),
            Err(LinkRefusal::Invalid)
        );
        assert_eq!(
            signer.check("tenant-1", 7, 1_000, "not base64!", 999),
            Err(LinkRefusal::Invalid)
        );
    }

    #[test]
    fn the_tenant_is_escaped_in_the_path() {
        let path = Signer::new(b"0123456789abcdef").path("a&b=c", 3, 5);
        assert!(
            path.contains("tenant=a%26b%3Dc&expires=5&signature="),
            "{path}"
        );
    }
}
