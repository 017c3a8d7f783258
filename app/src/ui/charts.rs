//! Charts drawn as SVG in the page (no script, no CDN): they render on the server, read
//! without JavaScript, and carry a text summary for screen readers.

use leptos::prelude::*;

use crate::model::Series;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 150.0;

/// The smallest 1, 2 or 5 × 10ⁿ at or above `value` (at least 1): a round top for the axis.
pub fn nice_ceiling(value: u64) -> u64 {
    let mut scale = 1u64;
    loop {
        for step in [1, 2, 5] {
            match scale.checked_mul(step) {
                Some(candidate) if candidate >= value => return candidate,
                Some(_) => {}
                None => return u64::MAX,
            }
        }
        match scale.checked_mul(10) {
            Some(next) => scale = next,
            None => return u64::MAX,
        }
    }
}

/// SVG polyline points for `values` scaled to `top`, left to right over the chart.
pub fn line_points(values: &[u64], top: u64) -> String {
    let last = values.len().saturating_sub(1).max(1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let x = WIDTH * index as f64 / last;
            let y = HEIGHT - HEIGHT * (*value as f64 / top.max(1) as f64);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How long a series spans, for its left-hand label ("3 h ago").
fn span_label(series: &Series) -> String {
    let seconds = u64::from(series.step_seconds) * series.values.len() as u64;
    if seconds >= 7_200 {
        format!("{} h ago", seconds / 3_600)
    } else {
        format!("{} min ago", seconds / 60)
    }
}

/// Under a chart: how far back it goes, its scale and its latest step.
fn chart_axis(series: &Series, top: u64, unit: &'static str) -> impl IntoView + use<> {
    let since = span_label(series);
    let last = series.last_label.clone();
    view! {
        <div class="chart-axis muted small">
            <span>{since}</span>
            <span>"top " {top} " " {unit}</span>
            <span>{last}</span>
        </div>
    }
}

/// A line over time, e.g. informs per minute.
#[component]
pub fn LineChart(series: Series, title: &'static str, unit: &'static str) -> impl IntoView {
    let top = nice_ceiling(series.peak());
    let now = series.values.last().copied().unwrap_or(0);
    let summary = format!(
        "{title}: {now} {unit} in the latest step, peak {}, {} in all.",
        series.peak(),
        series.total()
    );
    let points = line_points(&series.values, top);
    let area = format!("0,{HEIGHT} {points} {WIDTH},{HEIGHT}");
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label=summary.clone()>
                <line class="chart-grid" x1="0" y1="0.5" x2=WIDTH y2="0.5"/>
                <line class="chart-grid" x1="0" y1=HEIGHT / 2.0 x2=WIDTH y2=HEIGHT / 2.0/>
                <polygon class="chart-area" points=area/>
                <polyline class="chart-line" points=points vector-effect="non-scaling-stroke"/>
            </svg>
            {chart_axis(&series, top, unit)}
        </figure>
    }
}

/// Bars over time, e.g. faults per hour.
#[component]
pub fn BarChart(series: Series, title: &'static str, unit: &'static str) -> impl IntoView {
    let top = nice_ceiling(series.peak());
    let summary = format!(
        "{title}: {} {unit} in all, at most {} in one step.",
        series.total(),
        series.peak()
    );
    let slot = WIDTH / series.values.len().max(1) as f64;
    let bars = series
        .values
        .iter()
        .enumerate()
        .filter(|(_, value)| **value > 0)
        .map(|(index, value)| {
            let height = HEIGHT * (*value as f64 / top as f64);
            view! {
                <rect class="chart-bar" x=slot * index as f64 + slot * 0.15 width=slot * 0.7
                    y=HEIGHT - height height=height/>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label=summary>
                <line class="chart-grid" x1="0" y1="0.5" x2=WIDTH y2="0.5"/>
                <line class="chart-grid" x1="0" y1=HEIGHT - 0.5 x2=WIDTH y2=HEIGHT - 0.5/>
                {bars}
            </svg>
            {chart_axis(&series, top, unit)}
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        let tops: Vec<u64> = [0, 1, 2, 3, 7, 10, 11, 180, 501, 3_000]
            .into_iter()
            .map(nice_ceiling)
            .collect();
        assert_eq!(tops, vec![1, 1, 2, 5, 10, 10, 20, 200, 1_000, 5_000]);
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
    }

    #[test]
    fn lines_span_the_chart_from_the_floor_up() {
        assert_eq!(
            line_points(&[0, 5, 10], 10),
            "0.0,150.0 300.0,75.0 600.0,0.0"
        );
        assert_eq!(line_points(&[1], 1), "0.0,0.0");
        assert_eq!(line_points(&[], 10), "");
    }
}
