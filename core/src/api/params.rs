//! Value types of request parameters that validate while they deserialize
//! and describe themselves to the OpenAPI document from the same constants,
//! so the document's bounds and formats are the ones enforced.

use serde::{de::Error as _, Deserialize, Deserializer};
use utoipa::{
    openapi::{schema::SchemaType, KnownFormat, ObjectBuilder, RefOr, Schema, SchemaFormat, Type},
    PartialSchema, ToSchema,
};

use crate::time::{parse_rfc3339, Millis};

/// Page size of a list: 1 to [`PageLimit::MAX`], [`PageLimit::DEFAULT`] when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    /// The largest page.
    pub const MAX: u32 = 500;
    /// The page size when `limit` is absent.
    pub const DEFAULT: u32 = 50;

    /// The size asked for, or the default.
    pub fn or_default(limit: Option<PageLimit>) -> u32 {
        limit.map_or(Self::DEFAULT, |l| l.0)
    }
}

impl<'de> Deserialize<'de> for PageLimit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        u32::try_from(n)
            .ok()
            .filter(|n| (1..=Self::MAX).contains(n))
            .map(PageLimit)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "{n} is out of range: a page holds 1 to {} items",
                    Self::MAX
                ))
            })
    }
}

impl PartialSchema for PageLimit {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Integer))
            .minimum(Some(1))
            .maximum(Some(Self::MAX))
            .default(Some(Self::DEFAULT.into()))
            .description(Some(format!(
                "Page size, 1 to {} (default {}).",
                Self::MAX,
                Self::DEFAULT
            )))
            .into()
    }
}

impl ToSchema for PageLimit {}

/// An instant written in RFC 3339, e.g. `2026-01-31T12:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rfc3339(pub Millis);

impl<'de> Deserialize<'de> for Rfc3339 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_rfc3339(&s).map(Rfc3339).map_err(|e| {
            D::Error::custom(format!(
                "'{s}' is not an RFC 3339 time ({e}), e.g. 2026-01-31T12:00:00Z"
            ))
        })
    }
}

impl PartialSchema for Rfc3339 {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}

impl ToSchema for Rfc3339 {}

/// Whether a text filter can match nothing stored: ids and names never hold
/// NUL, and PostgreSQL refuses NUL in text, so such a filter answers an
/// empty page instead of reaching storage.
pub fn matches_nothing<'a>(filters: impl IntoIterator<Item = Option<&'a str>>) -> bool {
    filters.into_iter().flatten().any(|f| f.contains('\0'))
}
