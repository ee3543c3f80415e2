//! Draws results.svg: every rate beside its ceiling (log scale), and each ratio against its target.

use std::path::Path;

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::Error;
use crate::report::{Results, Row};

const CEILING: RGBColor = RGBColor(140, 140, 140);
const EMBEDDED: RGBColor = RGBColor(214, 120, 40);
const DISTRIBUTED: RGBColor = RGBColor(40, 110, 190);
const ROW: u32 = 30;
const WIDTH: u32 = 1100;

fn colour(row: &Row) -> RGBColor {
    match row.group.as_str() {
        "ceiling" => CEILING,
        "embedded" => EMBEDDED,
        _ => DISTRIBUTED,
    }
}

fn label(row: &Row) -> String {
    if row.group == "ceiling" {
        match &row.shape {
            Some(shape) => format!("{} ({shape})", row.workload),
            None => row.workload.clone(),
        }
    } else {
        format!("{}: {}", row.group, row.workload)
    }
}

fn err(e: impl std::fmt::Display) -> Error {
    e.to_string().into()
}

/// Writes the chart to `path`.
pub fn draw(results: &Results, path: &Path) -> Result<(), Error> {
    let rates: Vec<&Row> = results.rows.iter().collect();
    let ratios: Vec<&Row> = results.rows.iter().filter(|r| r.ratio.is_some()).collect();
    let top_height = 90 + ROW * rates.len() as u32;
    let bottom_height = 90 + ROW * ratios.len() as u32;
    let root = SVGBackend::new(path, (WIDTH, top_height + bottom_height)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (top, bottom) = root.split_vertically(top_height);
    rate_panel(&top, results, &rates)?;
    ratio_panel(&bottom, results, &ratios)?;
    root.present().map_err(err)?;
    Ok(())
}

fn rate_panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    results: &Results,
    rows: &[&Row],
) -> Result<(), Error> {
    let max = rows.iter().map(|r| r.per_second).fold(10.0_f64, f64::max);
    let labels: Vec<String> = rows.iter().map(|r| label(r)).collect();
    let title = format!(
        "requests/s, log scale ({} cores, {}; {} connections, {:.0} s each)",
        results.machine.cores,
        results.machine.cpu_model,
        results.connections,
        results.seconds_per_workload
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(330)
        .build_cartesian_2d(
            (1.0..max * 4.0).log_scale(),
            (0..rows.len()).into_segmented(),
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(rows.len())
        .y_label_formatter(&|v| segment_label(v, &labels))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, row)| {
            let mut bar = Rectangle::new(
                [
                    (1.0, SegmentValue::Exact(slot(i, rows.len()))),
                    (
                        row.per_second.max(1.0),
                        SegmentValue::Exact(slot(i, rows.len()) + 1),
                    ),
                ],
                colour(row).filled(),
            );
            bar.set_margin(5, 5, 0, 0);
            bar
        }))
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, row)| {
            Text::new(
                format!(" {:.0}/s", row.per_second),
                (
                    row.per_second.max(1.0),
                    SegmentValue::CenterOf(slot(i, rows.len())),
                ),
                label_style(),
            )
        }))
        .map_err(err)?;
    Ok(())
}

fn ratio_panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    results: &Results,
    rows: &[&Row],
) -> Result<(), Error> {
    let target_of = |row: &Row| {
        results
            .targets
            .iter()
            .find(|t| {
                t.shape == row.group && t.unit == "%" && target_matches(&t.target, &row.workload)
            })
            .map(|t| t.limit)
    };
    let max = rows
        .iter()
        .map(|r| r.ratio.unwrap_or(0.0) * 100.0)
        .fold(110.0_f64, f64::max);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{} / {}", label(r), r.ceiling.as_deref().unwrap_or("")))
        .collect();
    let mut chart = ChartBuilder::on(area)
        .caption(
            "ratio to the ceiling, % (black mark: the issue's target)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(330)
        .build_cartesian_2d(0.0..max * 1.15, (0..rows.len()).into_segmented())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(rows.len())
        .y_label_formatter(&|v| segment_label(v, &labels))
        .x_label_formatter(&|v| format!("{v:.0}%"))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, row)| {
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(slot(i, rows.len()))),
                    (
                        row.ratio.unwrap_or(0.0) * 100.0,
                        SegmentValue::Exact(slot(i, rows.len()) + 1),
                    ),
                ],
                colour(row).filled(),
            );
            bar.set_margin(5, 5, 0, 0);
            bar
        }))
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().filter_map(|(i, row)| {
            target_of(row).map(|limit| {
                PathElement::new(
                    vec![
                        (limit, SegmentValue::Exact(slot(i, rows.len()))),
                        (limit, SegmentValue::Exact(slot(i, rows.len()) + 1)),
                    ],
                    BLACK.stroke_width(3),
                )
            })
        }))
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, row)| {
            let value = row.ratio.unwrap_or(0.0) * 100.0;
            Text::new(
                format!(" {value:.0}%"),
                (value, SegmentValue::CenterOf(slot(i, rows.len()))),
                label_style(),
            )
        }))
        .map_err(err)?;
    Ok(())
}

/// Whether the target named `target` is about `workload`.
fn target_matches(target: &str, workload: &str) -> bool {
    use crate::report::{CATALOG, END_TO_END, POST, READ};
    match workload {
        CATALOG => target.starts_with("catalog reads"),
        POST => target.starts_with("order POSTs"),
        READ => target.starts_with("order reads"),
        END_TO_END => target.starts_with("end to end"),
        _ => false,
    }
}

/// Labels are stored top-down; plotters counts segments bottom-up.
fn segment_label(value: &SegmentValue<usize>, labels: &[String]) -> String {
    match value {
        SegmentValue::CenterOf(i) if *i < labels.len() => labels[labels.len() - 1 - *i].clone(),
        _ => String::new(),
    }
}

/// The segment of row `i` of `n`, counted from the top.
fn slot(i: usize, n: usize) -> usize {
    n - 1 - i
}

fn label_style() -> TextStyle<'static> {
    TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center))
}
