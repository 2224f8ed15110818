//! API token secrets: random, shown once, stored only as a SHA-256 hash.
//!
//! A token is `fr_` followed by 43 characters of base64url (32 random bytes).
//! Its entropy makes a fast hash sufficient; a slow password hash would only
//! add latency to every request.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// The prefix every filmroom token starts with, so secret scanners can spot them.
pub const TOKEN_PREFIX: &str = "fr_";

/// A freshly generated secret and what is stored about it.
pub struct NewSecret {
    /// The whole secret; shown to its owner once.
    pub secret: String,
    /// The first characters, kept to tell tokens apart in listings.
    pub prefix: String,
    /// Hex SHA-256 of the secret.
    pub hash: String,
}

/// The prefix of integration tokens, which dialers hold.
pub const INTEGRATION_TOKEN_PREFIX: &str = "fri_";

/// Generates a new token secret from the operating system's randomness.
pub fn generate() -> Result<NewSecret, getrandom::Error> {
    generate_with_prefix(TOKEN_PREFIX)
}

/// Generates a new secret that starts with `prefix`.
pub fn generate_with_prefix(prefix: &str) -> Result<NewSecret, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let secret = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes));
    Ok(NewSecret { prefix: secret.chars().take(8).collect(), hash: hash(&secret), secret })
}

/// Hex SHA-256 of a presented secret, for lookup.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_prefixed_and_hash_to_what_is_stored() -> Result<(), getrandom::Error> {
        let a = generate()?;
        let b = generate()?;
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with(TOKEN_PREFIX));
        assert_eq!(a.secret.len(), 46);
        assert_eq!(hash(&a.secret), a.hash);
        assert_eq!(a.hash.len(), 64);
        Ok(())
    }
}
