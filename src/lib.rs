//! # scaling-laws
//!
//! Fitting and analysing neural scaling laws
//! $L(N, D) = E + A/N^{\alpha} + B/D^{\beta}$ (Hoffmann et al. 2022), and the
//! compute-optimal split of a budget $C = 6ND$ between model size $N$ and
//! training tokens $D$:
//!
//! $$N^\ast(C) = G\,(C/6)^{a},\quad D^\ast(C) = G^{-1}(C/6)^{b},\quad
//! a = \frac{\beta}{\alpha+\beta},\; b = \frac{\alpha}{\alpha+\beta},\quad
//! G = \Bigl(\frac{\alpha A}{\beta B}\Bigr)^{1/(\alpha+\beta)}.$$
//!
//! The crate is analytical-first: closed forms are derived in `proofs/`,
//! implemented here, and checked against numerical computation by
//! `cargo test`, in `f64` and again at 256 bits ([`numerics::mpf::Mpf`]).
//!
//! ## A tour
//!
//! ```
//! use scaling_laws::analysis::{predict_approach2, vertex_shift};
//! use scaling_laws::fitters::fit_approach2;
//! use scaling_laws::models::LossSurface;
//! use scaling_laws::sampling::{default_budgets, sample_isoflops, IsoflopGrid, SamplingBias};
//!
//! let surface = LossSurface::<f64>::chinchilla();
//! let grid = IsoflopGrid::new(16f64.log10(), 15).unwrap(); // ±16×, 15 points
//! let budgets = default_budgets::<f64>();                   // 1e17 … 1e21
//! let bias = SamplingBias::none();
//!
//! // Simulate IsoFLOP data and fit Approach 2 (parabola per budget).
//! let points = sample_isoflops(&surface, &budgets, &grid, &bias).unwrap();
//! let fit = fit_approach2(&points).unwrap();
//!
//! // The exponent is right, the intercept is off by exactly the vertex shift.
//! let dw = vertex_shift(surface.alpha(), surface.beta(), &grid).unwrap();
//! assert!((fit.n_law.exponent - surface.exponent_a()).abs() < 1e-12);
//! assert!((fit.n_law.intercept - surface.a0() - dw).abs() < 1e-12);
//!
//! // ... and the closed form predicts the fit, bias and all.
//! let pred = predict_approach2(&surface, &budgets, &grid, &bias).unwrap();
//! assert!((pred.n_law.intercept - fit.n_law.intercept).abs() < 1e-12);
//! ```
//!
//! The math in these pages renders with KaTeX when the docs are built with
//! `RUSTDOCFLAGS="--html-in-header $PWD/docs/katex-header.html" cargo doc --no-deps`
//! (docs.rs does it from `Cargo.toml`); every formula is derived in `proofs/`.
//!
//! ## Layout
//! `cli → experiments → {fitters, analysis} → sampling → models → numerics`.
//!
//! ## References
//! - \[H22\] J. Hoffmann et al., *Training Compute-Optimal Large Language
//!   Models*, 2022, arXiv:2203.15556.
//! - \[LH74\] C. L. Lawson, R. J. Hanson, *Solving Least Squares Problems*,
//!   Prentice-Hall, 1974.
//! - \[GP73\] G. Golub, V. Pereyra, *The differentiation of pseudo-inverses and
//!   nonlinear least squares problems whose variables separate*, SIAM J.
//!   Numer. Anal. 10 (1973), doi:10.1137/0710036.

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod analysis;
pub mod cli;
pub mod experiments;
pub mod fitters;
pub mod io;
pub mod models;
pub mod numerics;
pub mod plots;
pub mod progress;
pub mod sampling;
pub mod studies;
