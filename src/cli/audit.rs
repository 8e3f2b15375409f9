//! `scaling-laws audit`: leave-one-group-out and ordered extrapolation of
//! every method asked for, side by side (`analysis::audit`), on a plain CSV
//! file or on every experiment of an IsoFLOP file.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value};

use super::columns::{law_method, ColumnArgs};
use super::law_json::{num, SCHEMA_VERSION};
use super::CliError;
use crate::analysis::audit::{audit, Audit, SplitScore};
use crate::io::isoflops::{read_isoflops, IsoflopFileError};
use crate::io::{create_dir, fmt_f64, read_positive_columns, DataError, Table};
use crate::plots::{write_figure, Figure, LegendPosition, Panel, Series};
use crate::sampling::IsoflopPoint;

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// The CSV file (with a header line). A file with an `experiment`
    /// column (the published IsoFLOP file) is audited per experiment.
    #[arg(long)]
    pub(crate) data: PathBuf,
    /// The methods, comma separated: vpnls, approach3, grid, approach2.
    #[arg(long, value_delimiter = ',', required = true)]
    pub(crate) method: Vec<String>,
    /// Approach 3's objective (default rss).
    #[arg(long)]
    pub(crate) objective: Option<String>,
    #[command(flatten)]
    pub(crate) cols: ColumnArgs,
    /// What a group is: budget (the budget column).
    #[arg(long, default_value = "budget", value_parser = clap::builder::PossibleValuesParser::new(["budget"]), conflicts_with = "group_col")]
    pub(crate) group: String,
    /// Group by the values of this column instead of the budget.
    #[arg(long)]
    pub(crate) group_col: Option<String>,
    /// Also the ordered splits: fit on the k smallest groups, predict all
    /// larger ones (k = 2 … G − 1).
    #[arg(long)]
    pub(crate) ordered: bool,
    /// Only these experiments of an IsoFLOP file (repeatable).
    #[arg(long)]
    pub(crate) experiment: Vec<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
    /// Write the splits (audit.csv) and a figure per data set (score
    /// against distance, one colour per method) to this directory.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
}

/// The data sets: (name, points, group keys).
/// One data set of an audit: its name, points, and a group key per point.
type DataSet = (String, Vec<IsoflopPoint<f64>>, Vec<f64>);

fn data_sets(a: &AuditArgs) -> Result<Vec<DataSet>, CliError> {
    let group_keys = |n: usize| -> Result<Option<Vec<f64>>, CliError> {
        match &a.group_col {
            Some(c) => {
                let v = read_positive_columns(&a.data, &[c.as_str()])?.remove(0);
                debug_assert_eq!(v.len(), n);
                Ok(Some(v))
            }
            None => Ok(None),
        }
    };
    match read_isoflops(&a.data) {
        Ok(rows) => {
            let keys = group_keys(rows.len())?;
            let mut names: Vec<String> = Vec::new();
            for r in &rows {
                if !names.contains(&r.experiment) {
                    names.push(r.experiment.clone());
                }
            }
            if let Some(bad) = a.experiment.iter().find(|e| !names.contains(e)) {
                return Err(CliError::Usage(format!(
                    "--experiment '{bad}' is not in {} (experiments: {})",
                    a.data.display(),
                    names.join(", ")
                )));
            }
            let wanted: Vec<String> = if a.experiment.is_empty() {
                names
            } else {
                a.experiment.clone()
            };
            Ok(wanted
                .into_iter()
                .map(|name| {
                    let idx: Vec<usize> = (0..rows.len())
                        .filter(|&i| rows[i].experiment == name)
                        .collect();
                    let pts = idx
                        .iter()
                        .map(|&i| IsoflopPoint {
                            n: rows[i].params,
                            d: rows[i].tokens,
                            loss: rows[i].loss,
                            budget: rows[i].budget,
                        })
                        .collect();
                    let k = idx
                        .iter()
                        .map(|&i| keys.as_ref().map_or(rows[i].budget, |k| k[i]))
                        .collect();
                    (name, pts, k)
                })
                .collect())
        }
        Err(IsoflopFileError::Data(DataError::MissingColumn { .. })) => {
            if !a.experiment.is_empty() {
                return Err(CliError::Usage(format!(
                    "--experiment needs an IsoFLOP file (columns source, dataset, model, condition, experiment, tokens, params, budget, loss); {} is not one",
                    a.data.display()
                )));
            }
            let pts = a.cols.read(&a.data, true)?;
            let keys =
                group_keys(pts.len())?.unwrap_or_else(|| pts.iter().map(|p| p.budget).collect());
            let name = a
                .data
                .file_stem()
                .map_or_else(|| "data".to_string(), |s| s.to_string_lossy().into_owned());
            Ok(vec![(name, pts, keys)])
        }
        Err(e) => Err(e.into()),
    }
}

fn split_json(s: &SplitScore) -> Value {
    json!({
        "key": s.key, "train_groups": s.train_groups, "held_out": s.held_out,
        "rmse_ln": match &s.rmse_ln { Ok(r) => num(*r), Err(e) => json!(format!("unavailable: {e}")) },
        "distance": num(s.distance), "outside_share": s.outside_share,
    })
}

fn audit_json(x: &Audit) -> Value {
    let mut v = json!({
        "leave_one_out": x.leave_one_out.iter().map(split_json).collect::<Vec<_>>(),
        "ordered": x.ordered.iter().map(split_json).collect::<Vec<_>>(),
    });
    v["summary"] = match &x.summary {
        Some(s) => json!({
            "scored": s.scored, "mean": s.mean, "median": s.median,
            "worst": s.worst.0, "worst_key": s.worst.1,
            "spearman": s.spearman.map_or_else(|| json!("unavailable: fewer than 3 scored splits, or no spread"), |r| json!(r)),
        }),
        None => json!("unavailable: no split could be scored"),
    };
    v
}

fn split_line(s: &SplitScore) -> String {
    format!(
        "{:>12.3e} {:>6} {:>8} {:>12} {:>9.2} {:>9.2}",
        s.key,
        s.train_groups,
        s.held_out,
        match &s.rmse_ln {
            Ok(r) => format!("{r:.5}"),
            Err(_) => "-".into(),
        },
        s.distance,
        s.outside_share
    )
}

fn audit_text(x: &Audit) -> String {
    let mut s = format!("  {}:", x.method);
    match &x.summary {
        Some(m) => s.push_str(&format!(
            " held-out RMSE of ln L: mean {:.5}, median {:.5}, worst {:.5} (group {:e}); Spearman(score, distance) {}",
            m.mean,
            m.median,
            m.worst.0,
            m.worst.1,
            m.spearman.map_or_else(|| "-".to_string(), |r| format!("{r:.3}"))
        )),
        None => s.push_str(" no split could be scored"),
    }
    let head = format!(
        "\n    {:>12} {:>6} {:>8} {:>12} {:>9} {:>9}",
        "group", "train", "held out", "RMSE ln L", "distance", "outside"
    );
    s.push_str(&format!("\n    leave one group out:{head}"));
    for sp in &x.leave_one_out {
        s.push_str(&format!("\n    {}", split_line(sp)));
        if let Err(e) = &sp.rmse_ln {
            s.push_str(&format!("  ({e})"));
        }
    }
    if !x.ordered.is_empty() {
        s.push_str(&format!(
            "\n    ordered (train on groups up to the key, predict all larger):{head}"
        ));
        for sp in &x.ordered {
            s.push_str(&format!("\n    {}", split_line(sp)));
            if let Err(e) = &sp.rmse_ln {
                s.push_str(&format!("  ({e})"));
            }
        }
    }
    s
}

/// Score against distance, one colour per method (leave-one-out splits;
/// ordered splits as smaller markers).
fn figure(name: &str, audits: &[Audit]) -> Figure {
    let mut series = Vec::new();
    for (k, x) in audits.iter().enumerate() {
        let pts = |v: &[SplitScore]| -> Vec<(f64, f64)> {
            v.iter()
                .filter_map(|s| s.rmse_ln.as_ref().ok().map(|&r| (s.distance, r)))
                .filter(|p| p.0.is_finite() && p.1.is_finite() && p.1 > 0.0)
                .collect()
        };
        series.push(Series::markers(
            format!("{} (leave one out)", x.method),
            pts(&x.leave_one_out),
            k,
        ));
        if !x.ordered.is_empty() {
            series.push(
                Series::markers(format!("{} (ordered)", x.method), pts(&x.ordered), k).size(3),
            );
        }
    }
    let panel = Panel {
        // The data set's name is the figure's title already.
        title: "held-out score against distance".into(),
        x_label: "Mahalanobis distance from the training data".into(),
        y_label: "held-out RMSE of ln L".into(),
        x_log: false,
        y_log: true,
        series,
        legend: LegendPosition::UpperLeft,
        ..Panel::default()
    };
    let mut fig = Figure::new(format!("Extrapolation audit: {name}"), 1, 1, vec![panel]);
    fig.panel_size = (820, 560);
    fig
}

pub(crate) fn audit_cmd(a: &AuditArgs) -> Result<String, CliError> {
    let methods = a
        .method
        .iter()
        .map(|m| law_method(m.trim(), a.objective.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    let sets = data_sets(a)?;
    let mut results: Vec<(String, usize, usize, Vec<Audit>)> = Vec::new();
    for (name, pts, keys) in &sets {
        let groups = crate::analysis::audit::groups_by_key(keys).len();
        if groups < 3 {
            return Err(CliError::Usage(format!(
                "{name}: {groups} group(s); leaving one out needs at least 3"
            )));
        }
        let audits: Vec<Audit> = methods
            .iter()
            .map(|m| audit(m, pts, keys, a.ordered))
            .collect();
        results.push((name.clone(), pts.len(), groups, audits));
    }
    let mut written = Vec::new();
    if let Some(dir) = &a.out {
        create_dir(dir)?;
        let mut t = Table::new(&[
            "data",
            "method",
            "split",
            "key",
            "train_groups",
            "held_out",
            "rmse_ln",
            "distance",
            "outside_share",
        ]);
        for (name, _, _, audits) in &results {
            for x in audits {
                for (kind, v) in [("leave_one_out", &x.leave_one_out), ("ordered", &x.ordered)] {
                    for s in v {
                        t.push(vec![
                            name.clone(),
                            x.method.clone(),
                            kind.into(),
                            fmt_f64(s.key),
                            s.train_groups.to_string(),
                            s.held_out.to_string(),
                            s.rmse_ln
                                .as_ref()
                                .map_or_else(|_| String::new(), |r| fmt_f64(*r)),
                            fmt_f64(s.distance),
                            fmt_f64(s.outside_share),
                        ]);
                    }
                }
            }
            let stem = dir.join(format!("audit_{}", name.replace(['/', ' '], "_")));
            written.extend(write_figure(&figure(name, audits), &stem)?);
        }
        let path = dir.join("audit.csv");
        t.write_csv(&path)?;
        written.push(path);
    }
    let group = a.group_col.clone().unwrap_or_else(|| a.group.clone());
    if a.json {
        let mut sets = serde_json::Map::new();
        for (name, points, groups, audits) in &results {
            let mut m = serde_json::Map::new();
            for x in audits {
                m.insert(x.method.clone(), audit_json(x));
            }
            sets.insert(
                name.clone(),
                json!({"points": points, "groups": groups, "methods": Value::Object(m)}),
            );
        }
        let mut v =
            json!({"schema_version": SCHEMA_VERSION, "group": group, "data": Value::Object(sets)});
        if !written.is_empty() {
            v["files"] = json!(written
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>());
        }
        return Ok(v.to_string());
    }
    let mut s = String::new();
    for (name, points, groups, audits) in &results {
        s.push_str(&format!(
            "{name}: {points} points, {groups} groups by {group}\n"
        ));
        for x in audits {
            s.push_str(&audit_text(x));
            s.push('\n');
        }
    }
    for p in &written {
        s.push_str(&format!("wrote {}\n", p.display()));
    }
    Ok(s.trim_end().to_string())
}
