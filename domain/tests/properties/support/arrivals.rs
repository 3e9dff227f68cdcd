//! How a P-WH-1 history arrives (spec/properties.md): every item in any order, with
//! duplicates, shrinking towards in-order single delivery. Used by the trial and order
//! webhook properties.

use super::*;

/// The most reports or facts a P-WH-1 history holds.
pub const MAX_HISTORY: usize = 8;

/// How a history's items arrive, shrinking towards in-order single delivery: a sort key per
/// item, and duplicates (an item, by index modulo the length, and its sort key).
pub type Arrivals = (Vec<u16>, Vec<(usize, u16)>);

/// Any arrival of up to [`MAX_HISTORY`] items, each up to twice again.
pub fn arrivals() -> impl Strategy<Value = Arrivals> {
    (
        prop::collection::vec(any::<u16>(), MAX_HISTORY),
        prop::collection::vec((0..MAX_HISTORY, any::<u16>()), 0..=2 * MAX_HISTORY),
    )
}

/// The delivery order of `len` items (at most [`MAX_HISTORY`]) that `arrivals` describes:
/// every item once, plus the duplicates, sorted by their keys (ties keep history order).
pub fn arrival_order(len: usize, (keys, dups): &Arrivals) -> Vec<usize> {
    let mut order: Vec<(u16, usize)> = (0..len).map(|i| (keys[i], i)).collect();
    order.extend(dups.iter().map(|(i, key)| (*key, i % len)));
    order.sort_by_key(|(key, _)| *key);
    order.into_iter().map(|(_, i)| i).collect()
}
