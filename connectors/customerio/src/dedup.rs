//! The `id` Customer.io de-duplicates tracked events by: a ULID, the same
//! for every attempt and replay of one event.

use sha2::{Digest, Sha256};

/// The event's own ULID (`evt_<ULID>`), or one derived from its id and
/// time when the platform chose another id form.
pub fn event_ulid(event_id: &str, created_secs: i64) -> String {
    if let Some(u) = event_id
        .strip_prefix("evt_")
        .and_then(|u| ulid::Ulid::from_string(u).ok())
    {
        return u.to_string();
    }
    let digest = Sha256::digest(event_id.as_bytes());
    let mut random = [0u8; 16];
    random.copy_from_slice(&digest[..16]);
    let ms = u64::try_from(created_secs.max(0)).unwrap_or(0) * 1000;
    ulid::Ulid::from_parts(ms, u128::from_be_bytes(random)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_keeps_one_ulid() {
        assert_eq!(
            event_ulid("evt_01J9Z3M0W2Y4A6C8E0G2J4K6M8", 1),
            "01J9Z3M0W2Y4A6C8E0G2J4K6M8"
        );
        let a = event_ulid("platform-42", 1_715_200_000);
        assert_eq!(a, event_ulid("platform-42", 1_715_200_000));
        assert_ne!(a, event_ulid("platform-43", 1_715_200_000));
        assert!(ulid::Ulid::from_string(&a).is_ok());
    }
}
