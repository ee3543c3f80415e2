//! Draws soak-<shape>.svg: requests per second, latency, each process's memory, and the faults.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::record::{Recorder, Second};
use super::report::Summary;
use crate::Error;

const WIDTH: u32 = 1100;
const PANEL: u32 = 300;
const KILL: RGBColor = RGBColor(200, 40, 40);
const CUT: RGBColor = RGBColor(240, 170, 60);
const PHASE: RGBColor = RGBColor(120, 120, 120);
const PROCESSES: [RGBColor; 4] = [
    RGBColor(40, 110, 190),
    RGBColor(214, 120, 40),
    RGBColor(60, 150, 80),
    RGBColor(140, 80, 170),
];

fn err(e: impl std::fmt::Display) -> Error {
    e.to_string().into()
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Writes the chart to `path`.
pub fn draw(recorder: &Recorder, summary: &Summary, path: &Path) -> Result<(), Error> {
    let seconds = recorder.seconds();
    let rss = recorder.rss_samples();
    let end = seconds
        .len()
        .max(rss.last().map_or(0, |s| s.at as usize + 1))
        .max(1) as f64;
    let root = SVGBackend::new(path, (WIDTH, PANEL * 3 + 40)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let title = format!(
        "soak, {} shape: {:.1} min, {} cores (red: a kill, orange: a cut link, grey: steady \
         from / drain from)",
        summary.shape, summary.minutes, summary.machine.cores
    );
    let (head, body) = root.split_vertically(40);
    head.titled(&title, ("sans-serif", 18)).map_err(err)?;
    let panels = body.split_evenly((3, 1));
    let marks = Marks {
        faults: summary.faults.iter().map(|f| (f.at, f.seconds)).collect(),
        phases: vec![summary.steady_from, summary.load_seconds],
    };
    throughput(&panels[0], &seconds, end, &marks)?;
    latency(&panels[1], &seconds, end, &marks)?;
    let mut series: BTreeMap<(String, u32), Vec<(f64, f64)>> = BTreeMap::new();
    for s in &rss {
        series
            .entry((s.process.clone(), s.incarnation))
            .or_default()
            .push((s.at, s.kib as f64 / 1024.0));
    }
    memory(&panels[2], &series, end, &marks)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Fault times (start, length) and phase boundaries, drawn on every panel.
struct Marks {
    faults: Vec<(f64, f64)>,
    phases: Vec<f64>,
}

impl Marks {
    fn draw<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        low: f64,
        high: f64,
    ) -> Result<(), Error> {
        for (at, length) in &self.faults {
            if *length > 0.0 {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(*at, low), (at + length, high)],
                        CUT.mix(0.35).filled(),
                    )))
                    .map_err(err)?;
            } else {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*at, low), (*at, high)],
                        KILL.stroke_width(1),
                    )))
                    .map_err(err)?;
            }
        }
        for at in &self.phases {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*at, low), (*at, high)],
                    PHASE.stroke_width(2),
                )))
                .map_err(err)?;
        }
        Ok(())
    }
}

fn throughput(area: &Area<'_>, seconds: &[Second], end: f64, marks: &Marks) -> Result<(), Error> {
    let high = seconds
        .iter()
        .map(|s| s.ok.max(s.errors) as f64)
        .fold(10.0, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "requests per second (blue: answered, red: failed)",
            ("sans-serif", 15),
        )
        .margin(10)
        .x_label_area_size(25)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, 0.0..high)
        .map_err(err)?;
    chart.configure_mesh().x_desc("s").draw().map_err(err)?;
    marks.draw(&mut chart, 0.0, high)?;
    let ok = seconds
        .iter()
        .enumerate()
        .map(|(i, s)| (i as f64, s.ok as f64));
    chart
        .draw_series(std::iter::once(PathElement::new(
            ok.collect::<Vec<_>>(),
            PROCESSES[0].stroke_width(2),
        )))
        .map_err(err)?;
    let failed = seconds
        .iter()
        .enumerate()
        .map(|(i, s)| (i as f64, s.errors as f64));
    chart
        .draw_series(std::iter::once(PathElement::new(
            failed.collect::<Vec<_>>(),
            KILL.stroke_width(1),
        )))
        .map_err(err)?;
    Ok(())
}

fn latency(area: &Area<'_>, seconds: &[Second], end: f64, marks: &Marks) -> Result<(), Error> {
    let mut p50 = Vec::new();
    let mut p99 = Vec::new();
    for (i, s) in seconds.iter().enumerate() {
        let mut values = s.latencies_us.clone();
        if values.is_empty() {
            continue;
        }
        p50.push((
            i as f64,
            crate::load::quantile_ms(&mut values, 0.5).max(0.1),
        ));
        p99.push((
            i as f64,
            crate::load::quantile_ms(&mut values, 0.99).max(0.1),
        ));
    }
    let high = p99.iter().map(|p| p.1).fold(10.0, f64::max) * 1.5;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "latency of answered requests, ms, log scale (blue: p50, purple: p99 per second)",
            ("sans-serif", 15),
        )
        .margin(10)
        .x_label_area_size(25)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, (0.1..high).log_scale())
        .map_err(err)?;
    chart.configure_mesh().x_desc("s").draw().map_err(err)?;
    for (at, length) in &marks.faults {
        let style = if *length > 0.0 {
            CUT.mix(0.35).filled()
        } else {
            KILL.stroke_width(1)
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(*at, 0.1), (at + length.max(0.2), high)],
                style,
            )))
            .map_err(err)?;
    }
    for at in &marks.phases {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(*at, 0.1), (*at, high)],
                PHASE.stroke_width(2),
            )))
            .map_err(err)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            p50,
            PROCESSES[0].stroke_width(2),
        )))
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            p99,
            PROCESSES[3].stroke_width(1),
        )))
        .map_err(err)?;
    Ok(())
}

fn memory(
    area: &Area<'_>,
    series: &BTreeMap<(String, u32), Vec<(f64, f64)>>,
    end: f64,
    marks: &Marks,
) -> Result<(), Error> {
    let high = series.values().flatten().map(|p| p.1).fold(10.0, f64::max) * 1.15;
    let names: Vec<&String> = {
        let mut names: Vec<&String> = series.keys().map(|(name, _)| name).collect();
        names.dedup();
        names
    };
    let caption = format!(
        "resident memory, MiB, per process (a new line at each restart): {}",
        names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{n} {}", ["blue", "orange", "green", "purple"][i % 4]))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 15))
        .margin(10)
        .x_label_area_size(25)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, 0.0..high)
        .map_err(err)?;
    chart.configure_mesh().x_desc("s").draw().map_err(err)?;
    marks.draw(&mut chart, 0.0, high)?;
    for ((name, _), points) in series {
        let colour = names
            .iter()
            .position(|n| *n == name)
            .map_or(PROCESSES[0], |i| PROCESSES[i % PROCESSES.len()]);
        chart
            .draw_series(std::iter::once(PathElement::new(
                points.clone(),
                colour.stroke_width(2),
            )))
            .map_err(err)?;
    }
    Ok(())
}
