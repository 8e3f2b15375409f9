//! `out/index.html`: the study as one page to browse, written beside
//! `index.md` by `experiment all`. It opens from the file system without a
//! server and loads nothing from elsewhere: figures are the experiments'
//! PNGs by relative path (each linked to its SVG), tables are inlined (long
//! ones in part, linked in full), reports are verbatim, and the style is in
//! the page (specs/commands.md, "index.html").

use std::path::Path;

use super::experiment::{describe, Entry};
use crate::io::Table;

/// Rows of a table shown in full; a longer one shows its first
/// [`PREVIEW_ROWS`] in a fold.
pub(crate) const FULL_ROWS: usize = 30;
/// Rows shown of a long table.
pub(crate) const PREVIEW_ROWS: usize = 12;

/// Text escaped for HTML (element content and quoted attributes).
pub(crate) fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// A relative path as a URL path: `/` separators, each segment
/// percent-encoded where a URL needs it.
fn href(rel: &Path) -> String {
    rel.components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A cell for display: a number with a fractional part or an exponent to
/// four significant digits; anything else as written.
fn cell(text: &str) -> String {
    // Short numbers (as "0.25", "1e24") are shown as written.
    let integral = !text.contains(['.', 'e', 'E']) || text.len() <= 8;
    match text.parse::<f64>() {
        Ok(x) if !integral && x.is_finite() => {
            let a = x.abs();
            if a != 0.0 && !(1e-3..1e5).contains(&a) {
                format!("{x:.3e}")
            } else {
                format!("{x:.4}")
            }
        }
        _ => text.to_string(),
    }
}

fn table_html(t: &Table, rows: usize) -> String {
    let mut s = String::from("<div class=\"scroll\"><table>\n<thead><tr>");
    for h in &t.header {
        s.push_str(&format!("<th>{}</th>", escape(h)));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for r in t.rows.iter().take(rows) {
        s.push_str("<tr>");
        for c in r {
            s.push_str(&format!("<td>{}</td>", escape(&cell(c))));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div>\n");
    s
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; color: #1a1a1a; background: #fff; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.7rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.3rem; margin-top: 2.5rem; padding-top: 0.8rem; border-top: 2px solid #d0d7de; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
nav#toc { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.6rem 1.2rem; }
nav#toc ol { margin: 0.3rem 0; padding-left: 1.4rem; }
figure { margin: 1rem 0 1.6rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #e1e4e8; }
figcaption { font-size: 0.9rem; color: #444; margin-top: 0.3rem; }
.scroll { overflow-x: auto; margin: 0.5rem 0 1rem; }
table { border-collapse: collapse; font-size: 0.82rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: 0.15rem 0.45rem; text-align: right; white-space: nowrap; }
th { background: #f6f8fa; }
td:first-child, th:first-child { text-align: left; }
table.timing td:first-child { white-space: normal; min-width: 24rem; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
.note { color: #555; font-size: 0.9rem; }
";

/// After loading, the page notes on `<body>` how many images it has and
/// which did not load (`data-broken-images`), so that a headless browser's
/// DOM dump shows a missing file (scripts/check_index_html.py).
const LOAD_CHECK: &str = "<script>
window.addEventListener('load', function () {
  var broken = [];
  for (var i = 0; i < document.images.length; i++) {
    var im = document.images[i];
    if (!(im.complete && im.naturalWidth > 0)) { broken.push(im.getAttribute('src')); }
  }
  document.body.setAttribute('data-images', String(document.images.length));
  document.body.setAttribute('data-broken-images', broken.join(' '));
  document.body.setAttribute('data-loaded', 'yes');
});
</script>
";

/// The page. `out` is the folder the entries' paths lie under.
pub(crate) fn index_html(
    out: &Path,
    entries: &[Entry],
    sweep: Option<(usize, f64)>,
    total_seconds: f64,
) -> String {
    let mut s = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>The simulation study — scaling-laws</title>\n<style>");
    s.push_str(STYLE);
    s.push_str("</style>\n</head>\n<body>\n<main>\n<h1>The simulation study</h1>\n");
    s.push_str(&format!(
        "<p class=\"note\">Written by <code>scaling-laws experiment</code> ({} {}) in {total_seconds:.2} s. Every figure is the experiment's PNG; click it for the SVG. Numbers in the tables are shown to four significant digits; the CSV files hold them in full. The same content as text: <a href=\"index.md\">index.md</a>.</p>\n",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
    ));
    // Table of contents.
    s.push_str("<nav id=\"toc\"><strong>Contents</strong>\n<ol>\n<li><a href=\"#timing\">Where the time goes</a></li>\n");
    for e in entries {
        s.push_str(&format!(
            "<li><a href=\"#exp{}\">{}</a></li>\n",
            escape(&e.number),
            escape(&e.title)
        ));
    }
    s.push_str("</ol>\n</nav>\n");
    // Timing.
    s.push_str("<h2 id=\"timing\">Where the time goes</h2>\n");
    if let Some((cells, secs)) = sweep {
        s.push_str(&format!(
            "<p>Experiments 1–4 and 10 read one shared Approach 2 sweep ({cells} cells) computed in {secs:.2} s, not counted below.</p>\n"
        ));
    }
    let mut timing = Table::new(&[
        "experiment",
        "wall time (s)",
        "computing (s)",
        "writing files (s)",
    ]);
    for e in entries {
        timing.push(vec![
            e.title.clone(),
            format!("{:.2}", e.seconds),
            format!("{:.2}", e.compute_seconds),
            format!("{:.2}", e.seconds - e.compute_seconds),
        ]);
    }
    s.push_str(&table_html(&timing, usize::MAX).replace("<table>", "<table class=\"timing\">"));
    for e in entries {
        s.push_str(&section(out, e));
    }
    s.push_str("</main>\n");
    s.push_str(LOAD_CHECK);
    s.push_str("</body>\n</html>\n");
    s
}

fn section(out: &Path, e: &Entry) -> String {
    let mut s = format!(
        "<section id=\"exp{}\">\n<h2>{}</h2>\n<p class=\"note\">Wall time {:.2} s.</p>\n",
        escape(&e.number),
        escape(&e.title),
        e.seconds
    );
    let rel = |p: &Path| p.strip_prefix(out).unwrap_or(p).to_path_buf();
    let name = |p: &Path| {
        p.file_name()
            .map(|x| x.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    // Figures: each PNG, linked to its SVG when one was written.
    let pngs: Vec<&std::path::PathBuf> = e
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "png"))
        .collect();
    if !pngs.is_empty() {
        s.push_str("<h3>Figures</h3>\n");
    }
    for png in pngs {
        let svg = png.with_extension("svg");
        let target = if e.files.contains(&svg) {
            rel(&svg)
        } else {
            rel(png)
        };
        let n = name(png);
        s.push_str(&format!(
            "<figure><a href=\"{}\"><img src=\"{}\" alt=\"{}\"></a><figcaption><code>{}</code> — {}</figcaption></figure>\n",
            href(&target),
            href(&rel(png)),
            escape(&n),
            escape(&rel(png).display().to_string()),
            escape(&describe(&e.number, &n))
        ));
    }
    // Tables.
    if !e.tables.is_empty() {
        s.push_str("<h3>Tables</h3>\n");
    }
    for (stem, t) in &e.tables {
        let csv = e
            .files
            .iter()
            .find(|f| name(f) == format!("{stem}.csv"))
            .map(|f| rel(f));
        let link = csv.as_ref().map_or_else(
            || escape(stem),
            |c| {
                format!(
                    "<a href=\"{}\"><code>{}</code></a>",
                    href(c),
                    escape(&c.display().to_string())
                )
            },
        );
        s.push_str(&format!(
            "<p>{link} — {} ({} rows)</p>\n",
            escape(&describe(&e.number, &format!("{stem}.csv"))),
            t.rows.len()
        ));
        if t.rows.len() <= FULL_ROWS {
            s.push_str(&table_html(t, FULL_ROWS));
        } else {
            s.push_str(&format!(
                "<details><summary>the first {PREVIEW_ROWS} of {} rows</summary>\n{}</details>\n",
                t.rows.len(),
                table_html(t, PREVIEW_ROWS)
            ));
        }
    }
    // The report.
    s.push_str("<h3>Report</h3>\n<pre>");
    s.push_str(&escape(e.report.trim_end()));
    s.push_str("</pre>\n");
    let report = e.files.iter().find(|f| name(f) == "report.txt");
    if let Some(r) = report {
        s.push_str(&format!(
            "<p class=\"note\">As a file: <a href=\"{}\"><code>{}</code></a>.</p>\n",
            href(&rel(r)),
            escape(&rel(r).display().to_string())
        ));
    }
    s.push_str("</section>\n");
    s
}
