//! ρ as a plain f64 objective for argmin and L-BFGS-B.

use std::cell::RefCell;

use argmin::core::CostFunction;

use super::project::project;
use crate::fitters::outcome::{FitError, SurfaceData};

/// ρ as an f64 objective for the derivative-free and quasi-Newton searches:
/// +∞ outside the box (Nelder–Mead never accepts such a vertex, since every
/// simplex holds a finite one) and on a projection error, which is kept to
/// be returned.
pub(super) struct Objective<'a> {
    pub(super) data: &'a SurfaceData<f64>,
    pub(super) bounds: (f64, f64),
    pub(super) error: RefCell<Option<FitError>>,
}

impl Objective<'_> {
    pub(super) fn rss(&self, x: &[f64]) -> f64 {
        let (lo, hi) = self.bounds;
        if x.iter().any(|v| !(lo..=hi).contains(v)) {
            return f64::INFINITY;
        }
        match project(self.data, &x[0], &x[1]) {
            Ok(p) => p.rss,
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e);
                f64::INFINITY
            }
        }
    }

    pub(super) fn take_error(&self) -> Result<(), FitError> {
        match self.error.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.rss(p))
    }
}
