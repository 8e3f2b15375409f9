//! Fails early, with a plain message, when the arbitrary-precision backend
//! cannot be built. `rug` builds GMP and MPFR from source, and GMP's
//! `configure` needs `m4`; without it the build stops deep inside GMP's
//! configure log. When GMP is already cached in `~/.cache/gmp-mpfr-sys`
//! (`gmp-mpfr-sys` reuses it), `m4` is not needed and nothing is checked.

use std::env;
use std::path::{Path, PathBuf};

fn on_path(program: &str) -> bool {
    env::var_os("PATH")
        .map(|paths| env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

fn gmp_cache_present() -> bool {
    let cache = env::var_os("GMP_MPFR_SYS_CACHE")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| Path::new(&h).join(".cache/gmp-mpfr-sys")));
    match cache {
        Some(dir) => std::fs::read_dir(dir)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(false),
        None => false,
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if !on_path("m4") && !gmp_cache_present() {
        panic!(
            "\n\nscaling-laws: `m4` is not installed.\n\
             The arbitrary-precision cross-checks use rug, which builds GMP from source,\n\
             and GMP's configure needs m4. Install it first, e.g.\n\n    \
             apt-get install -y m4\n\n"
        );
    }
}
