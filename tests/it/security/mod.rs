//! Security suite: who can reach what, SSRF, secrets kept out of sight,
//! request limits.

mod access;
mod at_rest;
mod secrets;
mod ssrf;
