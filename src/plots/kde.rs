//! Gaussian kernel density estimates, for drawing error distributions.

/// The Gaussian kernel density estimate of `samples` at each point of `at`:
///
/// ```text
/// f̂(x) = 1/(n h) Σᵢ φ((x − xᵢ)/h),   h = factor · s,
/// ```
///
/// with `s` the sample standard deviation (n − 1) and φ the standard normal
/// density — scipy's `gaussian_kde(samples, bw_method=factor)` in one
/// dimension. Non-finite samples are ignored; with fewer than two finite
/// samples, or zero spread, the estimate is all NaN (no density to draw).
///
/// ```
/// use scaling_laws::plots::kde::gaussian_kde;
/// let f = gaussian_kde(&[-1.0, 0.0, 1.0], 0.5, &[0.0]);
/// assert!(f[0] > 0.0);
/// ```
pub fn gaussian_kde(samples: &[f64], factor: f64, at: &[f64]) -> Vec<f64> {
    let xs: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    let n = xs.len();
    if n < 2 {
        return vec![f64::NAN; at.len()];
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let h = factor * var.sqrt();
    if !(h > 0.0 && h.is_finite()) {
        return vec![f64::NAN; at.len()];
    }
    let norm = 1.0 / (n as f64 * h * (2.0 * std::f64::consts::PI).sqrt());
    at.iter()
        .map(|x| {
            xs.iter()
                .map(|xi| (-0.5 * ((x - xi) / h).powi(2)).exp())
                .sum::<f64>()
                * norm
        })
        .collect()
}
