//! The short fuzz run of CI: every target of `fuzz/` (the same check
//! functions libFuzzer drives) over its committed seeds and a fixed number of
//! mutations of them. Uninstrumented and deterministic (the seed is printed;
//! set `FUZZ_SEED` to replay a run), so it needs no nightly flags and no
//! second build; `fuzz/run.sh` is the coverage-guided run for longer hunts.
//! A panicking input is written to `target/fuzz-lite/<target>-<n>` and named
//! in the failure.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    path::PathBuf,
};

use rand::{rngs::StdRng, Rng, SeedableRng};

#[path = "../../fuzz/src/lib.rs"]
mod checks;

/// Byte strings the parsers care about, spliced in by the mutator.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b":",
    b",",
    b"null",
    b"true",
    b"-1",
    b"1e999",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"0.0000001",
    b"\0",
    b"\xff\xfe",
    b"\r\n",
    b"{{",
    b"}}",
    b"{{#each data}}",
    b"{{/each}}",
    b"{{json data}}",
    b"{{e164 data.caller.phone}}",
    b"{{truncate data 3}}",
    b"{{> x}}",
    b"[[connectors]]",
    b"=",
    b"${X}",
    b"${",
    b"\"\"\"",
    b"'''",
    b"[delivery]",
    b"timeout = \"0s\"",
];

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds in {}", dir.display());
    out
}

/// One to four random edits of a seed: flips, inserted tokens or bytes,
/// deleted or duplicated ranges, splices from another seed.
fn mutate(rng: &mut StdRng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.gen_range(0..seeds.len())].clone();
    for _ in 0..rng.gen_range(1..=4) {
        let at = rng.gen_range(0..=data.len());
        match rng.gen_range(0..6) {
            0 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] ^= 1 << rng.gen_range(0..8);
            }
            1 => {
                let token = TOKENS[rng.gen_range(0..TOKENS.len())];
                data.splice(at..at, token.iter().copied());
            }
            2 => {
                let end = (at + rng.gen_range(1..64)).min(data.len());
                data.drain(at..end);
            }
            3 => {
                let end = (at + rng.gen_range(1..256)).min(data.len());
                let copy = data[at..end].to_vec();
                let times = rng.gen_range(1..8);
                for _ in 0..times {
                    data.splice(at..at, copy.iter().copied());
                }
            }
            4 => {
                let other = &seeds[rng.gen_range(0..seeds.len())];
                let from = rng.gen_range(0..=other.len());
                let end = (from + rng.gen_range(1..512)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            _ => data.insert(at, rng.r#gen()),
        }
    }
    data
}

fn run(target: &str, check: fn(&[u8]), mutations: usize) {
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5ee0_b0a2_d000_u64);
    eprintln!("fuzz-lite {target}: seed {seed}, {mutations} mutations");
    let mut rng = StdRng::seed_from_u64(seed);
    let seeds = seeds(target);
    let inputs = seeds
        .clone()
        .into_iter()
        .chain((0..mutations).map(|_| mutate(&mut rng, &seeds)));
    for (n, input) in inputs.enumerate() {
        if catch_unwind(AssertUnwindSafe(|| check(&input))).is_err() {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-lite");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{target}-{n}"));
            std::fs::write(&path, &input).unwrap();
            panic!(
                "{target} panicked on input {n} (FUZZ_SEED={seed}), saved to {}; \
                 replay it with fuzz/run.sh or add it to fuzz/seeds/{target}/",
                path.display()
            );
        }
    }
}

#[test]
fn ingest_parser_survives_mutated_events() {
    run("ingest_parse", checks::ingest_parse, 100_000);
}

#[test]
fn config_loader_survives_mutated_configs() {
    run("config_load", checks::config_load, 20_000);
}

#[test]
fn templates_survive_mutated_sources_and_events() {
    run("template_render", checks::template_render, 3_000);
}
