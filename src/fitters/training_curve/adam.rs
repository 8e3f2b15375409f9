//! The Adam phase of the published procedure (proofs/13 §13.5).

use std::any::Any;

use nalgebra::RealField;

use super::{smooth_l1_f64, smooth_l1_generic, CurvePoints, Scratch, TrainingCurveParams};
use crate::numerics::{lit, ratio, to_f64};

/// The result of the Adam phase.
#[derive(Debug, Clone, PartialEq)]
pub struct AdamPhase<T> {
    /// The best state visited (least Adam objective).
    pub best: [T; 5],
    /// The Adam objective there (SmoothL1 plus the anchor term).
    pub objective: T,
}

/// Adam on `f(θ) + w·|e^E − min L|` from `start`, keeping the best state
/// visited (proofs/13 §13.5): PyTorch's Adam (β₁ = 0.9, β₂ = 0.999,
/// ε = 1e-8), learning rate `max(lr·decay^⌊k/every⌋, floor)` at step k.
/// Generic over the scalar.
/// With `T = f64` it runs on the fast path [`smooth_l1_f64`] (one set of
/// buffers for all steps); [`adam_phase_generic`] is the same loop on
/// [`smooth_l1_generic`].
pub fn adam_phase<T: RealField>(
    points: &CurvePoints<T>,
    start: [T; 5],
    params: &TrainingCurveParams,
) -> AdamPhase<T> {
    if let Some(pts) = (points as &dyn Any).downcast_ref::<CurvePoints<f64>>() {
        let mut scratch = Scratch::default();
        let delta = params.delta;
        return adam_loop(points, start, params, |p: &[T; 5]| {
            let (f, g) = smooth_l1_f64(pts, &p.clone().map(|v| to_f64(&v)), delta, &mut scratch);
            (lit(f), g.map(lit))
        });
    }
    adam_phase_generic(points, start, params)
}

/// [`adam_phase`] on the generic objective [`smooth_l1_generic`] for any
/// scalar (the same steps as the `f64` fast path).
pub fn adam_phase_generic<T: RealField>(
    points: &CurvePoints<T>,
    start: [T; 5],
    params: &TrainingCurveParams,
) -> AdamPhase<T> {
    let delta = lit::<T>(params.delta);
    adam_loop(points, start, params, |p: &[T; 5]| {
        smooth_l1_generic(points, p, &delta)
    })
}

fn adam_loop<T: RealField>(
    points: &CurvePoints<T>,
    start: [T; 5],
    params: &TrainingCurveParams,
    mut smooth: impl FnMut(&[T; 5]) -> (T, [T; 5]),
) -> AdamPhase<T> {
    let w = lit::<T>(params.anchor_weight);
    let min_l = points
        .loss
        .iter()
        .cloned()
        .reduce(|a, b| a.min(b))
        .unwrap_or_else(T::zero);
    let mut objective = |p: &[T; 5]| {
        let (f, mut g) = smooth(p);
        let ee = p[0].clone().exp();
        let gap = ee.clone() - min_l.clone();
        let sign = if gap > T::zero() {
            T::one()
        } else if gap < T::zero() {
            -T::one()
        } else {
            T::zero()
        };
        g[0] += w.clone() * sign * ee;
        (f + w.clone() * gap.abs(), g)
    };
    let (b1, b2, eps) = (ratio::<T>(9, 10), ratio::<T>(999, 1000), lit::<T>(1e-8));
    let mut theta = start;
    let mut m: [T; 5] = std::array::from_fn(|_| T::zero());
    let mut v: [T; 5] = std::array::from_fn(|_| T::zero());
    let (mut b1t, mut b2t) = (T::one(), T::one());
    let mut best: Option<([T; 5], T)> = None;
    for k in 0..params.adam_steps {
        let (f, g) = objective(&theta);
        if f.is_finite() && best.as_ref().is_none_or(|(_, bf)| f < *bf) {
            best = Some((theta.clone(), f));
        }
        let decays = (k / params.lr_every.max(1)) as i32;
        let lr = lit::<T>((params.adam_lr * params.lr_decay.powi(decays)).max(params.lr_floor));
        b1t *= b1.clone();
        b2t *= b2.clone();
        for j in 0..5 {
            m[j] = b1.clone() * m[j].clone() + (T::one() - b1.clone()) * g[j].clone();
            v[j] =
                b2.clone() * v[j].clone() + (T::one() - b2.clone()) * g[j].clone() * g[j].clone();
            let mhat = m[j].clone() / (T::one() - b1t.clone());
            let vhat = v[j].clone() / (T::one() - b2t.clone());
            theta[j] -= lr.clone() * mhat / (vhat.sqrt() + eps.clone());
        }
    }
    let (f, _) = objective(&theta);
    if f.is_finite() && best.as_ref().is_none_or(|(_, bf)| f < *bf) {
        best = Some((theta.clone(), f.clone()));
    }
    match best {
        Some((best, objective)) => AdamPhase { best, objective },
        None => AdamPhase {
            best: theta,
            objective: f,
        },
    }
}
