//! JWT verification with the algorithm pinned to the configured key, and minting
//! for the `parley token` command.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{Scopes, Viewer};
use crate::error::{Error, Result};
use crate::ids::{NodeKind, decode_as};

/// The claims Parley reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The agent's id.
    pub sub: String,
    /// The tenant the agent works in.
    pub tenant: String,
    /// Space-separated scopes.
    #[serde(default)]
    pub scope: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Issuer, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// Where the verification key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A shared HS256 secret.
    Secret { secret: Vec<u8>, generated: bool },
    /// A PEM public key (RSA, EC P-256 or Ed25519), with the private key for minting if given.
    PublicKey {
        public_pem: Vec<u8>,
        private_pem: Option<Vec<u8>>,
    },
}

/// Everything needed to verify (and, when possible, mint) tokens.
#[derive(Clone)]
pub struct JwtConfig {
    algorithm: Algorithm,
    decoding: Arc<DecodingKey>,
    encoding: Option<Arc<EncodingKey>>,
    validation: Arc<Validation>,
    issuer: Option<String>,
    audience: Option<String>,
    /// HMAC keyed with the shared secret, from which keys for other purposes are
    /// derived (see [`JwtConfig::derive_key`]); none with a public key.
    derivation: Option<Hmac<Sha256>>,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl JwtConfig {
    /// Builds the verifier; the algorithm follows from the key type and is the only one accepted.
    pub fn new(
        source: KeySource,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> anyhow::Result<JwtConfig> {
        let derivation = match &source {
            KeySource::Secret { secret, .. } => Some(
                Hmac::<Sha256>::new_from_slice(secret)
                    .map_err(|_| anyhow::anyhow!("the JWT secret cannot key an HMAC"))?,
            ),
            KeySource::PublicKey { .. } => None,
        };
        let (algorithm, decoding, encoding) = match source {
            KeySource::Secret { secret, .. } => {
                anyhow::ensure!(
                    secret.len() >= 16,
                    "PARLEY_JWT_SECRET must be at least 16 bytes"
                );
                (
                    Algorithm::HS256,
                    DecodingKey::from_secret(&secret),
                    Some(EncodingKey::from_secret(&secret)),
                )
            }
            KeySource::PublicKey {
                public_pem,
                private_pem,
            } => {
                let (alg, dec) = if let Ok(k) = DecodingKey::from_rsa_pem(&public_pem) {
                    (Algorithm::RS256, k)
                } else if let Ok(k) = DecodingKey::from_ec_pem(&public_pem) {
                    (Algorithm::ES256, k)
                } else if let Ok(k) = DecodingKey::from_ed_pem(&public_pem) {
                    (Algorithm::EdDSA, k)
                } else {
                    anyhow::bail!("the public key is not an RSA, EC or Ed25519 PEM key");
                };
                let enc = private_pem
                    .map(|pem| match alg {
                        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
                        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
                        _ => EncodingKey::from_ed_pem(&pem),
                    })
                    .transpose()?;
                (alg, dec, enc)
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = 30;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        required.extend(issuer.as_ref().map(|_| "iss"));
        required.extend(audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        match &issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        Ok(JwtConfig {
            algorithm,
            decoding: Arc::new(decoding),
            encoding: encoding.map(Arc::new),
            validation: Arc::new(validation),
            issuer,
            audience,
            derivation,
        })
    }

    /// A 32-byte key for `purpose` derived from the shared secret (HMAC-SHA256 of the
    /// purpose under the secret), so that one configured secret keys other signatures
    /// without revealing itself through them; `None` with a public key.
    pub fn derive_key(&self, purpose: &str) -> Option<[u8; 32]> {
        let mut mac = self.derivation.clone()?;
        mac.update(purpose.as_bytes());
        Some(mac.finalize().into_bytes().into())
    }

    /// The algorithm tokens must be signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Verifies a token and turns its claims into a viewer.
    pub fn verify(&self, token: &str) -> Result<Viewer> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            Error::Unauthenticated(
                match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::ImmatureSignature => "the token is not valid yet",
                    ErrorKind::InvalidAudience => "the token is for another audience",
                    ErrorKind::InvalidIssuer => "the token is from another issuer",
                    ErrorKind::InvalidSignature => "the token's signature does not verify",
                    ErrorKind::InvalidAlgorithm => {
                        "the token is signed with a disallowed algorithm"
                    }
                    ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                    _ => "the token is malformed",
                }
                .into(),
            )
        })?;
        let claims = data.claims;
        let agent_id = parse_agent(&claims.sub)
            .ok_or_else(|| Error::Unauthenticated("the token's `sub` is not an agent id".into()))?;
        if claims.tenant.is_empty() || claims.tenant.len() > 128 {
            return Err(Error::Unauthenticated(
                "the token's `tenant` is invalid".into(),
            ));
        }
        Ok(Viewer {
            tenant: claims.tenant.into(),
            agent_id,
            scopes: Scopes::parse(&claims.scope),
            expires_at: Some(claims.exp),
        })
    }

    /// Mints a token for `agent_id` of `tenant`, valid for `ttl`.
    pub fn mint(
        &self,
        tenant: &str,
        agent_id: i64,
        scope: &str,
        ttl: std::time::Duration,
    ) -> anyhow::Result<String> {
        let key = self.encoding.as_ref().ok_or_else(|| {
            anyhow::anyhow!("minting needs the private key (PARLEY_JWT_PRIVATE_KEY_FILE)")
        })?;
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: agent_id.to_string(),
            tenant: tenant.to_owned(),
            scope: scope.to_owned(),
            exp: now + ttl.as_secs() as i64,
            iat: Some(now),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        Ok(encode(&Header::new(self.algorithm), &claims, key)?)
    }
}

/// `sub` is an agent's numeric id or its global ID.
pub fn parse_agent(sub: &str) -> Option<i64> {
    sub.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .or_else(|| decode_as(sub, NodeKind::Agent))
}
