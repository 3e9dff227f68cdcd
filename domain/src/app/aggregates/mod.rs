//! Every aggregate, declared once for the commit path ([`super::execute`]): its stream kind, its
//! events' stored names and times, and its projection row's queryable columns.

pub(crate) mod end_users;
pub(crate) mod endpoints;
pub(crate) mod payments;
mod sessions;
mod verifications;
pub(crate) mod webhooks;
pub(crate) mod whatsapp;
