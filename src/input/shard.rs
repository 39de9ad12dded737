//! Which agreements a run builds: one shard of them (`--shard K/N`), and the output names
//! claimed more than once.

use std::collections::BTreeMap;

use super::Planned;

/// Pick shard `k` of `n` (1-based): every `n`th job in order of name, so that the shards are
/// disjoint, their union is the whole batch, and their sizes differ by at most one.
pub fn shard<T: Sharded>(mut jobs: Vec<T>, k: usize, n: usize) -> Vec<T> {
    jobs.sort_by(|a, b| a.key().cmp(&b.key()));
    jobs.into_iter()
        .enumerate()
        .filter(|(i, _)| i % n == k - 1)
        .map(|(_, j)| j)
        .collect()
}

/// What [`shard`] orders by.
pub trait Sharded {
    fn key(&self) -> (&str, &str);
}

impl Sharded for Planned {
    fn key(&self) -> (&str, &str) {
        (&self.name, &self.origin)
    }
}

/// Output names claimed by more than one job, compared case-insensitively (as on macOS and
/// Windows file systems): lower-cased reference → indexes of the jobs claiming it.
pub fn collisions(refs: &[(usize, String)]) -> BTreeMap<String, Vec<usize>> {
    let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in refs {
        if !r.is_empty() {
            by.entry(r.to_lowercase()).or_default().push(*i);
        }
    }
    by.retain(|_, v| v.len() > 1);
    by
}
