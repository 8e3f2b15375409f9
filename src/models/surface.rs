use nalgebra::RealField;
use thiserror::Error;

use crate::numerics::{int, is_positive_finite, lit, pow10, ratio, to_f64};

/// A bad loss-surface parameter or argument, with the offending value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    /// A parameter that must be positive and finite is not.
    #[error("loss surface parameter {name} must be positive and finite, got {value}")]
    NotPositiveFinite {
        /// Which parameter (`E`, `A`, `B`, `alpha`, `beta`, `C`, `N`, `D`).
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A loss at or below the irreducible loss `E` has no compute budget.
    #[error("loss {loss} is not above the irreducible loss E = {e}: no compute budget reaches it")]
    LossNotAboveIrreducible {
        /// The loss asked for.
        loss: f64,
        /// The surface's `E`.
        e: f64,
    },
    /// A preset name that does not exist.
    #[error("unknown surface '{name}'; known: {known}")]
    UnknownPreset {
        /// The name given.
        name: String,
        /// The names that exist, comma separated.
        known: String,
    },
}

/// `L(N, D) = E + A/N^α + B/D^β`: the Chinchilla loss surface
/// (Hoffmann et al. 2022, eq. 2).
///
/// Fields spell the paper's symbols: `e` = E (irreducible loss), `a` = A,
/// `b` = B, `alpha` = α (model-size exponent), `beta` = β (data exponent).
/// All five are positive and finite; [`LossSurface::new`] checks this once.
///
/// The derived quantities below are derived in `proofs/01_loss_surface.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct LossSurface<T> {
    e: T,
    a: T,
    b: T,
    alpha: T,
    beta: T,
}

fn check_positive<T: RealField>(name: &'static str, value: &T) -> Result<(), ModelError> {
    // `!(x > 0)` rejects NaN too; infinity is rejected explicitly.
    if !is_positive_finite(value) {
        return Err(ModelError::NotPositiveFinite {
            name,
            value: to_f64(value),
        });
    }
    Ok(())
}

impl<T: RealField> LossSurface<T> {
    /// A validated surface.
    ///
    /// # Errors
    /// [`ModelError::NotPositiveFinite`] naming the first parameter that is
    /// zero, negative, infinite or NaN.
    ///
    /// ```
    /// use scaling_laws::models::LossSurface;
    /// let s = LossSurface::<f64>::new(1.69, 406.4, 410.7, 0.34, 0.28).unwrap();
    /// assert!((s.loss(&70e9, &1.4e12) - 1.9367).abs() < 1e-4);
    /// assert!(LossSurface::<f64>::new(1.69, -1.0, 410.7, 0.34, 0.28).is_err());
    /// ```
    pub fn new(e: T, a: T, b: T, alpha: T, beta: T) -> Result<Self, ModelError> {
        check_positive("E", &e)?;
        check_positive("A", &a)?;
        check_positive("B", &b)?;
        check_positive("alpha", &alpha)?;
        check_positive("beta", &beta)?;
        Ok(Self {
            e,
            a,
            b,
            alpha,
            beta,
        })
    }

    /// E, the irreducible loss.
    pub fn e(&self) -> &T {
        &self.e
    }
    /// A, the model-size coefficient.
    pub fn a(&self) -> &T {
        &self.a
    }
    /// B, the data coefficient.
    pub fn b(&self) -> &T {
        &self.b
    }
    /// α, the model-size exponent.
    pub fn alpha(&self) -> &T {
        &self.alpha
    }
    /// β, the data exponent.
    pub fn beta(&self) -> &T {
        &self.beta
    }

    /// `L(N, D) = E + A·N^(−α) + B·D^(−β)`.
    pub fn loss(&self, n: &T, d: &T) -> T {
        self.e.clone()
            + self.a.clone() * n.clone().powf(-self.alpha.clone())
            + self.b.clone() * d.clone().powf(-self.beta.clone())
    }

    /// The five parameters in the order (E, A, B, α, β) used by the
    /// surface fitters.
    pub fn parameters(&self) -> [T; 5] {
        [
            self.e.clone(),
            self.a.clone(),
            self.b.clone(),
            self.alpha.clone(),
            self.beta.clone(),
        ]
    }

    /// The same surface with its scalars carried into another type `U`
    /// (exact when `U` is at least as precise as `T`).
    pub fn cast<U: RealField>(&self) -> LossSurface<U>
    where
        T: Into<f64>,
    {
        LossSurface {
            e: lit(self.e.clone().into()),
            a: lit(self.a.clone().into()),
            b: lit(self.b.clone().into()),
            alpha: lit(self.alpha.clone().into()),
            beta: lit(self.beta.clone().into()),
        }
    }

    /// The N* exponent `a = β/(α+β)`: N*(C) ∝ C^a.
    pub fn exponent_a(&self) -> T {
        self.beta.clone() / (self.alpha.clone() + self.beta.clone())
    }

    /// The D* exponent `b = α/(α+β)`: D*(C) ∝ C^b.
    pub fn exponent_b(&self) -> T {
        self.alpha.clone() / (self.alpha.clone() + self.beta.clone())
    }

    /// `G = (αA/(βB))^(1/(α+β))`, the allocation constant.
    pub fn g(&self) -> T {
        ((self.alpha.clone() * self.a.clone()) / (self.beta.clone() * self.b.clone()))
            .powf(T::one() / (self.alpha.clone() + self.beta.clone()))
    }

    /// `log10 G`, computed without forming `G` (no overflow for extreme A, B).
    pub fn log10_g(&self) -> T {
        ((self.alpha.clone() * self.a.clone()).log10()
            - (self.beta.clone() * self.b.clone()).log10())
            / (self.alpha.clone() + self.beta.clone())
    }

    /// The compute-optimal model size `N*(C) = G·(C/6)^a`.
    pub fn n_opt(&self, c: &T) -> T {
        self.g() * (c.clone() / int::<T>(6)).powf(self.exponent_a())
    }

    /// The compute-optimal token count `D*(C) = (C/6)^b / G`.
    pub fn d_opt(&self, c: &T) -> T {
        (c.clone() / int::<T>(6)).powf(self.exponent_b()) / self.g()
    }

    /// `log10 N*(C) = a0 + a·log10 C`.
    pub fn log10_n_opt(&self, c: &T) -> T {
        self.a0() + self.exponent_a() * c.clone().log10()
    }

    /// `log10 D*(C) = b0 + b·log10 C`.
    pub fn log10_d_opt(&self, c: &T) -> T {
        self.b0() + self.exponent_b() * c.clone().log10()
    }

    /// The log10 intercept of N*: `a0 = log10 G − a·log10 6`.
    pub fn a0(&self) -> T {
        self.log10_g() - self.exponent_a() * int::<T>(6).log10()
    }

    /// The log10 intercept of D*: `b0 = −log10 G − b·log10 6`.
    pub fn b0(&self) -> T {
        -self.log10_g() - self.exponent_b() * int::<T>(6).log10()
    }

    /// `γ = αβ/(α+β)`, the exponent of the compute-optimal loss:
    /// `L_opt(C) = E + K·(C/6)^(−γ)`.
    pub fn gamma(&self) -> T {
        self.alpha.clone() * self.beta.clone() / (self.alpha.clone() + self.beta.clone())
    }

    /// `K = A·G^(−α)·(α+β)/β`, the coefficient of the compute-optimal loss.
    pub fn k_opt(&self) -> T {
        self.a.clone()
            * pow10(-self.alpha.clone() * self.log10_g())
            * (self.alpha.clone() + self.beta.clone())
            / self.beta.clone()
    }

    /// The lowest loss reachable with compute C:
    /// `L_opt(C) = L(N*(C), D*(C)) = E + K·(C/6)^(−γ)`.
    pub fn loss_opt(&self, c: &T) -> T {
        self.e.clone() + self.k_opt() * (c.clone() / int::<T>(6)).powf(-self.gamma())
    }

    /// The compute needed to reach loss L at the optimal allocation, the
    /// inverse of [`loss_opt`](Self::loss_opt): `C(L) = 6·((L − E)/K)^(−1/γ)`.
    ///
    /// # Errors
    /// [`ModelError::LossNotAboveIrreducible`] when `L ≤ E` (or L is NaN).
    pub fn compute_for_loss(&self, loss: &T) -> Result<T, ModelError> {
        if !(loss.is_finite() && loss.clone() > self.e.clone()) {
            return Err(ModelError::LossNotAboveIrreducible {
                loss: to_f64(loss),
                e: to_f64(&self.e),
            });
        }
        let x = (loss.clone() - self.e.clone()) / self.k_opt();
        Ok(int::<T>(6) * x.powf(-T::one() / self.gamma()))
    }

    /// The surface of a named preset, in `T`.
    pub fn preset(preset: Preset) -> Self {
        let (e, a, b, alpha, beta) = preset.parameters::<T>();
        Self {
            e,
            a,
            b,
            alpha,
            beta,
        }
    }

    /// The Chinchilla fit (Hoffmann et al. 2022): α 0.34, β 0.28, A 406.4,
    /// B 410.7, E 1.69.
    pub fn chinchilla() -> Self {
        Self::preset(Preset::Chinchilla)
    }
}

/// The named surfaces used by the experiments.
///
/// The imbalance family keeps α + β = 0.62 (Chinchilla's sum) and A, B, E
/// from Chinchilla, and sets α/β: `balanced` (1; note A ≠ B), `ratio_1.5`,
/// `ratio_2`, `asymmetric` (3: α 0.465, β 0.155) and `ratio_9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// α 0.34, β 0.28, A 406.4, B 410.7, E 1.69 (Hoffmann et al. 2022).
    Chinchilla,
    /// α = β = 0.31, A = B = 400, E 1.69.
    Symmetric,
    /// α/β = 1 with α + β = 0.62 and Chinchilla's A, B, E.
    Balanced,
    /// α/β = 1.5.
    Ratio1_5,
    /// α/β = 2.
    Ratio2,
    /// α/β = 3 (α 0.465, β 0.155).
    Asymmetric,
    /// α/β = 9.
    Ratio9,
}

impl Preset {
    /// Every preset, in a fixed order.
    pub const ALL: [Preset; 7] = [
        Preset::Chinchilla,
        Preset::Symmetric,
        Preset::Balanced,
        Preset::Ratio1_5,
        Preset::Ratio2,
        Preset::Asymmetric,
        Preset::Ratio9,
    ];

    /// The preset's name as used on the command line and in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Chinchilla => "chinchilla",
            Preset::Symmetric => "symmetric",
            Preset::Balanced => "balanced",
            Preset::Ratio1_5 => "ratio_1.5",
            Preset::Ratio2 => "ratio_2",
            Preset::Asymmetric => "asymmetric",
            Preset::Ratio9 => "ratio_9",
        }
    }

    /// The preset with this name.
    ///
    /// # Errors
    /// [`ModelError::UnknownPreset`] listing the known names.
    pub fn from_name(name: &str) -> Result<Self, ModelError> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| ModelError::UnknownPreset {
                name: name.to_string(),
                known: Self::ALL.map(Preset::name).join(", "),
            })
    }

    /// `(E, A, B, α, β)`, exact decimal ratios rounded once in `T`.
    fn parameters<T: RealField>(self) -> (T, T, T, T, T) {
        let e = ratio::<T>(169, 100);
        let (a, b) = (ratio::<T>(4064, 10), ratio::<T>(4107, 10));
        // α = 0.62·r/(1+r), β = 0.62/(1+r) for α/β = r = p/q.
        let split = |p: i64, q: i64| {
            (
                ratio::<T>(62 * p, 100 * (p + q)),
                ratio::<T>(62 * q, 100 * (p + q)),
            )
        };
        match self {
            Preset::Chinchilla => (e, a, b, ratio(34, 100), ratio(28, 100)),
            Preset::Symmetric => (e, int(400), int(400), ratio(31, 100), ratio(31, 100)),
            Preset::Balanced => {
                let (al, be) = split(1, 1);
                (e, a, b, al, be)
            }
            Preset::Ratio1_5 => {
                let (al, be) = split(3, 2);
                (e, a, b, al, be)
            }
            Preset::Ratio2 => {
                let (al, be) = split(2, 1);
                (e, a, b, al, be)
            }
            Preset::Asymmetric => {
                let (al, be) = split(3, 1);
                (e, a, b, al, be)
            }
            Preset::Ratio9 => {
                let (al, be) = split(9, 1);
                (e, a, b, al, be)
            }
        }
    }
}
