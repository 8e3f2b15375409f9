//! A fitted law in `fit --json` (schema version [`SCHEMA_VERSION`]) and
//! back: what `predict --fit FILE` reads. The schema is in
//! specs/commands.md ("The fit JSON").

use serde_json::{json, Value};

use crate::analysis::law::{Allocation, Approach2Law, FittedLaw, OptimalLossLaw};
use crate::analysis::predict::DataSpread;
use crate::fitters::PowerLaw;
use crate::models::LossSurface;

/// The version of the fit JSON written by this build.
pub(crate) const SCHEMA_VERSION: u64 = 1;

/// A number, or a string for a non-finite one (JSON has no NaN or ∞).
pub(crate) fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        json!(format!("{x}"))
    }
}

/// A fit's certificate (its objective against the variable-projection
/// profile's best, and whether that says it is the global optimum), every
/// number written by `number` (the caller's convention for non-finite ones).
pub(crate) fn certificate_json(c: &crate::fitters::Certificate, number: fn(f64) -> Value) -> Value {
    json!({
        "objective": c.objective, "value": number(c.value),
        "profile_best": number(c.profile_best), "gap": number(c.gap),
        "tolerance": number(c.tolerance), "holds": c.holds(),
        "global_stage": c.global_stage
    })
}

/// A value or the reason there is none (never `null`).
pub(crate) fn or_reason<T>(r: &Result<T, String>, f: impl Fn(&T) -> Value) -> Value {
    match r {
        Ok(v) => f(v),
        Err(e) => json!(format!("unavailable: {e}")),
    }
}

/// One allocation's JSON object.
pub(crate) fn allocation_json(a: &Allocation) -> Value {
    json!({
        "budget": a.budget,
        "n_opt": num(a.n_opt),
        "d_opt": num(a.d_opt),
        "tokens_per_param": num(a.d_opt / a.n_opt),
        "loss_opt": or_reason(&a.loss_opt, |l| num(*l)),
    })
}

/// The keys a law adds to the fit JSON: `schema_version`, `method`, `a`,
/// `b`, `allocations`, and for Approach 2 `loss_law` and `curvature_law`
/// (the surface keys E, A, B, alpha, beta and Approach 2's intercepts are
/// written by the command).
pub(crate) fn add_law(v: &mut Value, method: &str, law: &FittedLaw, budgets: &[f64]) {
    v["schema_version"] = json!(SCHEMA_VERSION);
    v["method"] = json!(method);
    let (a, b) = law.exponents();
    v["a"] = num(a);
    v["b"] = num(b);
    if let FittedLaw::Approach2(l) = law {
        v["loss_law"] = or_reason(
            &l.loss_law,
            |x| json!({"E": num(x.e), "K": num(x.k), "gamma": num(x.gamma)}),
        );
        v["curvature_law"] = or_reason(
            &l.curvature_law,
            |x| json!({"exponent": num(x.exponent), "intercept": num(x.intercept)}),
        );
    }
    v["allocations"] = budgets
        .iter()
        .map(|&c| allocation_json(&law.allocation(c)))
        .collect();
}

/// The `data` object: where the training points lie.
pub(crate) fn spread_json(s: &DataSpread, residual_sd: Option<f64>) -> Value {
    let mut v = json!({
        "points": s.points,
        "mean_ln_n_ln_d": [num(s.mean[0]), num(s.mean[1])],
        "cov_ln_n_ln_d": [[num(s.cov[0][0]), num(s.cov[0][1])], [num(s.cov[1][0]), num(s.cov[1][1])]],
        "ln_n_range": [num(s.ln_n_range[0]), num(s.ln_n_range[1])],
        "ln_d_range": [num(s.ln_d_range[0]), num(s.ln_d_range[1])],
        "loss_range": [num(s.loss_range[0]), num(s.loss_range[1])],
    });
    if let Some(sd) = residual_sd {
        v["residual_sd_ln"] = num(sd);
    }
    v
}

fn get(v: &Value, k: &str) -> Result<f64, String> {
    v.get(k)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("key '{k}' is missing or not a number"))
}

fn pair(v: &Value, k: &str) -> Result<[f64; 2], String> {
    let a = v
        .get(k)
        .and_then(Value::as_array)
        .filter(|a| a.len() == 2)
        .ok_or_else(|| format!("key '{k}' is missing or not a pair of numbers"))?;
    match (a[0].as_f64(), a[1].as_f64()) {
        (Some(x), Some(y)) => Ok([x, y]),
        _ => Err(format!("key '{k}' is not a pair of numbers")),
    }
}

/// The law (and the data's spread, when the file has it) of a fit JSON.
///
/// # Errors
/// A sentence naming the missing or bad key, or an unsupported version.
pub(crate) fn law_from_json(v: &Value) -> Result<(FittedLaw, Option<DataSpread>), String> {
    let version = v.get("schema_version").and_then(Value::as_u64).ok_or(
        "no 'schema_version' (write the file with `scaling-laws fit --json` of this version)",
    )?;
    if version != SCHEMA_VERSION {
        return Err(format!(
            "schema_version {version} is not supported (this build reads {SCHEMA_VERSION})"
        ));
    }
    let method = v
        .get("method")
        .and_then(Value::as_str)
        .ok_or("key 'method' is missing")?;
    let law = match method {
        "vpnls" | "approach3" | "grid" => FittedLaw::Surface(
            LossSurface::new(
                get(v, "E")?,
                get(v, "A")?,
                get(v, "B")?,
                get(v, "alpha")?,
                get(v, "beta")?,
            )
            .map_err(|e| e.to_string())?,
        ),
        "approach2" | "approach2-corrected" => {
            let law = |k: &str| -> Result<PowerLaw<f64>, String> {
                Ok(PowerLaw {
                    exponent: get(v, k)?,
                    intercept: get(v, &format!("{k}_intercept"))?,
                })
            };
            let loss_law = match v.get("loss_law") {
                Some(x) if x.is_object() => Ok(OptimalLossLaw {
                    e: get(x, "E")?,
                    k: get(x, "K")?,
                    gamma: get(x, "gamma")?,
                }),
                Some(Value::String(s)) => Err(s.clone()),
                _ => Err("the file has no 'loss_law'".to_string()),
            };
            let curvature_law = match v.get("curvature_law") {
                Some(x) if x.is_object() => Ok(PowerLaw {
                    exponent: get(x, "exponent")?,
                    intercept: get(x, "intercept")?,
                }),
                Some(Value::String(s)) => Err(s.clone()),
                _ => Err("the file has no 'curvature_law'".to_string()),
            };
            FittedLaw::Approach2(Approach2Law {
                n_law: law("a")?,
                d_law: law("b")?,
                loss_law,
                curvature_law,
            })
        }
        other => return Err(format!("unknown method '{other}'")),
    };
    let spread = match v.get("data") {
        Some(d) => {
            let mean = pair(d, "mean_ln_n_ln_d")?;
            let cov = d
                .get("cov_ln_n_ln_d")
                .and_then(Value::as_array)
                .filter(|a| a.len() == 2)
                .ok_or("key 'data.cov_ln_n_ln_d' is missing")?;
            let row = |i: usize| -> Result<[f64; 2], String> {
                let r = cov[i]
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .ok_or("bad covariance row")?;
                match (r[0].as_f64(), r[1].as_f64()) {
                    (Some(x), Some(y)) => Ok([x, y]),
                    _ => Err("bad covariance row".to_string()),
                }
            };
            Some(DataSpread {
                points: d.get("points").and_then(Value::as_u64).unwrap_or(0) as usize,
                mean,
                cov: [row(0)?, row(1)?],
                ln_n_range: pair(d, "ln_n_range")?,
                ln_d_range: pair(d, "ln_d_range")?,
                loss_range: pair(d, "loss_range")?,
            })
        }
        None => None,
    };
    Ok((law, spread))
}
