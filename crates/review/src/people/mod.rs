//! People: the directory (who is in the organisation, the management tree
//! as it is changed, API tokens) and accounts (passwords, browser sessions,
//! one-time sign-in links, the limit on failed sign-ins).

pub mod accounts;
pub(crate) mod directory;
