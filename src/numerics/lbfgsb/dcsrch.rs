//! MINPACK-2 `dcsrch`: the Moré–Thuente line search as a state machine.

use super::dcstep::cstep;

/// Moré–Thuente sufficient-decrease constant (L-BFGS-B's `lnsrlb`: 1e-3).
const LS_FTOL: f64 = 1e-3;
/// Moré–Thuente curvature constant (`lnsrlb`: 0.9, a loose quasi-Newton
/// line search).
const LS_GTOL: f64 = 0.9;
/// Moré–Thuente relative width of the bracketing interval (`lnsrlb`: 0.1).
const LS_XTOL: f64 = 0.1;

pub(super) enum Search {
    /// Accept the step just evaluated (convergence or a MINPACK-2 warning,
    /// which `lnsrlb` also accepts).
    Done,
    /// Evaluate at this step next.
    Evaluate(f64),
}

/// MINPACK-2 `dcsrch` state (Moré & Thuente 1994).
pub(super) struct MoreThuente {
    f_init: f64,
    g_init: f64,
    g_test: f64,
    step_min: f64,
    step_max: f64,
    bracketed: bool,
    stage1: bool,
    width: f64,
    width1: f64,
    stx: f64,
    fx: f64,
    gx: f64,
    sty: f64,
    fy: f64,
    gy: f64,
    stmin: f64,
    stmax: f64,
}

impl MoreThuente {
    /// `None` for the inputs `dcsrch` rejects.
    pub(super) fn new(f: f64, g: f64, step: f64, step_min: f64, step_max: f64) -> Option<Self> {
        if !(step >= step_min && step <= step_max && g < 0.0 && step_max >= step_min) {
            return None;
        }
        Some(Self {
            f_init: f,
            g_init: g,
            g_test: LS_FTOL * g,
            step_min,
            step_max,
            bracketed: false,
            stage1: true,
            width: step_max - step_min,
            width1: 2.0 * (step_max - step_min),
            stx: 0.0,
            fx: f,
            gx: g,
            sty: 0.0,
            fy: f,
            gy: g,
            stmin: 0.0,
            stmax: step + 4.0 * step,
        })
    }

    pub(super) fn next(&mut self, step: f64, f: f64, g: f64) -> Search {
        let f_test = self.f_init + step * self.g_test;
        if self.stage1 && f <= f_test && g >= 0.0 {
            self.stage1 = false;
        }
        let warning = (self.bracketed
            && (step <= self.stmin
                || step >= self.stmax
                || self.stmax - self.stmin <= LS_XTOL * self.stmax))
            || (step == self.step_max && f <= f_test && g <= self.g_test)
            || (step == self.step_min && (f > f_test || g >= self.g_test));
        let converged = f <= f_test && g.abs() <= LS_GTOL * (-self.g_init);
        if warning || converged {
            return Search::Done;
        }
        let mut stp = step;
        if self.stage1 && f <= self.fx && f > f_test {
            // Modified function ψ(t) = f(t) − f(0) − t·g_test.
            let mut fxm = self.fx - self.stx * self.g_test;
            let mut fym = self.fy - self.sty * self.g_test;
            let mut gxm = self.gx - self.g_test;
            let mut gym = self.gy - self.g_test;
            let fm = f - stp * self.g_test;
            let gm = g - self.g_test;
            cstep(
                &mut self.stx,
                &mut fxm,
                &mut gxm,
                &mut self.sty,
                &mut fym,
                &mut gym,
                &mut stp,
                fm,
                gm,
                &mut self.bracketed,
                self.stmin,
                self.stmax,
            );
            self.fx = fxm + self.stx * self.g_test;
            self.fy = fym + self.sty * self.g_test;
            self.gx = gxm + self.g_test;
            self.gy = gym + self.g_test;
        } else {
            cstep(
                &mut self.stx,
                &mut self.fx,
                &mut self.gx,
                &mut self.sty,
                &mut self.fy,
                &mut self.gy,
                &mut stp,
                f,
                g,
                &mut self.bracketed,
                self.stmin,
                self.stmax,
            );
        }
        if self.bracketed {
            if (self.sty - self.stx).abs() >= 0.66 * self.width1 {
                stp = self.stx + 0.5 * (self.sty - self.stx);
            }
            self.width1 = self.width;
            self.width = (self.sty - self.stx).abs();
            self.stmin = self.stx.min(self.sty);
            self.stmax = self.stx.max(self.sty);
        } else {
            self.stmin = stp + 1.1 * (stp - self.stx);
            self.stmax = stp + 4.0 * (stp - self.stx);
        }
        stp = stp.max(self.step_min).min(self.step_max);
        if self.bracketed
            && (stp <= self.stmin
                || stp >= self.stmax
                || self.stmax - self.stmin <= LS_XTOL * self.stmax)
        {
            stp = self.stx;
        }
        Search::Evaluate(stp)
    }
}
