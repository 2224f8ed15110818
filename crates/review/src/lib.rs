//! filmroom's rules.
//!
//! Plain types and functions decide who may see and do what: [`people`] holds
//! validated values and the management tree, [`visibility`] the one rule for
//! reading a rep's data. [`Review`] applies those rules to stored data through
//! `filmroom-store`; HTTP handlers call one of its methods and hold no rule.

mod directory;
mod error;
pub mod ids;
pub mod people;
pub mod secrets;
pub mod visibility;

pub use directory::{
    Actor, IssuedToken, NewUser, Organisation, Page, PageRequest, Person, Review, TokenInfo,
    UserChanges,
};
pub use error::{AuthFailure, ReviewError};
pub use filmroom_store::Role;
