//! The columns of a data file that `fit`, `predict` and `audit` read, and
//! the reader that turns them into points: D from a tokens column, or from
//! a FLOPs column as D = C/(K·N).

use std::path::Path;

use clap::Args;

use super::CliError;
use crate::io::read_positive_columns;
use crate::sampling::IsoflopPoint;

#[derive(Debug, Clone, Args)]
pub(crate) struct ColumnArgs {
    /// Column of model sizes N.
    #[arg(long, default_value = "params")]
    pub(crate) n_col: String,
    /// Column of token counts D.
    #[arg(long, default_value = "tokens")]
    pub(crate) d_col: String,
    /// Column of training compute C instead of --d-col: D = C/(K·N) with K
    /// = --flops-per-token (6 by default).
    #[arg(long, conflicts_with = "d_col")]
    pub(crate) flops_col: Option<String>,
    /// FLOPs per parameter per token K in D = C/(K·N) (with --flops-col).
    #[arg(long, requires = "flops_col", value_parser = super::finite_f64)]
    pub(crate) flops_per_token: Option<f64>,
    /// Column of losses L.
    #[arg(long, default_value = "loss")]
    pub(crate) loss_col: String,
    /// Column of compute budgets C (Approach 2, --resample budgets, --group
    /// budget); default `budget`, or the --flops-col column when that is given.
    #[arg(long)]
    pub(crate) budget_col: Option<String>,
}

impl ColumnArgs {
    /// The budget column's name.
    pub(crate) fn budget_name(&self) -> &str {
        match (&self.budget_col, &self.flops_col) {
            (Some(b), _) => b,
            (None, Some(f)) => f,
            (None, None) => "budget",
        }
    }

    /// Read the points of `data`; the budget column is read when
    /// `budget` is true (and is 1 for every point otherwise).
    ///
    /// # Errors
    /// The reader's error naming the file, line and column; a D computed
    /// from FLOPs that leaves f64's positive range, named by line.
    pub(crate) fn read(
        &self,
        data: &Path,
        budget: bool,
    ) -> Result<Vec<IsoflopPoint<f64>>, CliError> {
        let k = self.flops_per_token.unwrap_or(6.0);
        if k <= 0.0 {
            return Err(CliError::Usage(format!(
                "--flops-per-token must be positive, got {k}"
            )));
        }
        let d_name = self.flops_col.as_deref().unwrap_or(&self.d_col);
        let mut names = vec![self.n_col.as_str(), d_name, self.loss_col.as_str()];
        if budget {
            names.push(self.budget_name());
        }
        let cols = read_positive_columns(data, &names)?;
        let mut points = Vec::with_capacity(cols[0].len());
        for i in 0..cols[0].len() {
            let n = cols[0][i];
            let d = if self.flops_col.is_some() {
                let d = cols[1][i] / (k * n);
                if !(d.is_finite() && d > 0.0) {
                    return Err(CliError::Usage(format!(
                        "{}: line {}: D = C/(K·N) = {:e}/({k}·{n:e}) = {d:e} is not a positive finite number",
                        data.display(),
                        i + 2,
                        cols[1][i]
                    )));
                }
                d
            } else {
                cols[1][i]
            };
            points.push(IsoflopPoint {
                n,
                d,
                loss: cols[2][i],
                budget: cols.get(3).map_or(1.0, |c| c[i]),
            });
        }
        Ok(points)
    }

    /// The points with budgets when the budget column exists, else None
    /// (any other error is returned).
    ///
    /// # Errors
    /// As [`read`](Self::read), except a missing budget column.
    pub(crate) fn read_with_optional_budget(
        &self,
        data: &Path,
    ) -> Result<(Vec<IsoflopPoint<f64>>, bool), CliError> {
        match self.read(data, true) {
            Ok(p) => Ok((p, true)),
            Err(CliError::Data(crate::io::DataError::MissingColumn { ref column, .. }))
                if column == self.budget_name() =>
            {
                Ok((self.read(data, false)?, false))
            }
            Err(e) => Err(e),
        }
    }
}

/// The law-fitting method of a command-line name (`vpnls`, `approach3`,
/// `grid`, `approach2`, `approach2-corrected`), with Approach 3's
/// objective (default rss).
///
/// # Errors
/// [`CliError::Usage`] naming an unknown method or objective.
pub(crate) fn law_method(
    name: &str,
    objective: Option<&str>,
) -> Result<crate::analysis::law::LawMethod, CliError> {
    use crate::analysis::law::LawMethod;
    use crate::fitters::{Approach3Start, Grid5Params, Objective, SurfaceMethod};
    if let (Some(o), false) = (objective, name == "approach3") {
        return Err(CliError::Usage(format!(
            "--objective {o} applies to approach3 only; {name} has no objective to choose"
        )));
    }
    Ok(match name {
        "vpnls" => LawMethod::Surface(SurfaceMethod::vpnls()),
        "grid" => LawMethod::Surface(SurfaceMethod::Grid5(Grid5Params::default())),
        "approach3" => {
            let o = objective.unwrap_or("rss");
            let objective = Objective::from_name(o)
                .ok_or_else(|| CliError::Usage(format!("unknown objective '{o}'")))?;
            let start = if objective == Objective::HuberLog {
                Approach3Start::ChinchillaGrid
            } else {
                Approach3Start::Grid
            };
            LawMethod::Surface(SurfaceMethod::approach3(objective, start))
        }
        "approach2" => LawMethod::Approach2,
        "approach2-corrected" => LawMethod::Approach2Corrected,
        other => {
            return Err(CliError::Usage(format!(
                "unknown method '{other}' (known: vpnls, approach3, grid, approach2, approach2-corrected)"
            )))
        }
    })
}
