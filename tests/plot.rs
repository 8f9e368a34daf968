//! The plot module: both files are written, log axes refuse what they cannot
//! show, and rendering is deterministic.

mod common;

use common::ScratchDir;
use perturbo::plot::{render_png, render_svg, save, Figure, Mark, Series};
use perturbo::Error;

/// The eight bytes every PNG file starts with (PNG specification, sec. 5.2).
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// A figure with every mark: points with error bars, a line and a dashed
/// theory curve, all positive so it works on either axis scale.
fn figure(log: bool) -> Figure {
    let xs: [f64; 5] = [0.5, 1.0, 2.0, 4.0, 8.0];
    Figure {
        title: format!("Escape time (log = {log})"),
        x_label: "1 / temperature".to_string(),
        y_label: "mean first-passage time".to_string(),
        log_x: log,
        log_y: log,
        series: vec![
            Series {
                label: "simulated".to_string(),
                mark: Mark::Points,
                points: xs.iter().map(|&x| (x, x.exp())).collect(),
                error_bars: Some(xs.iter().map(|&x| (0.9 * x.exp(), 1.1 * x.exp())).collect()),
                color: 0,
            },
            Series {
                label: "exact".to_string(),
                mark: Mark::Line,
                points: xs.iter().map(|&x| (x, 1.05 * x.exp())).collect(),
                error_bars: None,
                color: 1,
            },
            Series {
                label: "Kramers".to_string(),
                mark: Mark::Dashed,
                points: xs.iter().map(|&x| (x, 0.95 * x.exp())).collect(),
                error_bars: None,
                color: 2,
            },
        ],
    }
}

fn unsupported_message(r: perturbo::Result<String>) -> String {
    match r {
        Err(Error::Unsupported(msg)) => msg,
        other => panic!("expected Error::Unsupported, got {other:?}"),
    }
}

#[test]
fn save_writes_png_and_svg_for_linear_and_log_axes() {
    let dir = ScratchDir::unmade("plot", "save");
    for log in [false, true] {
        let fig = figure(log);
        let stem = if log { "loglog" } else { "linear" };
        let paths = save(&fig, &dir, stem).unwrap();
        assert_eq!(
            paths,
            vec![
                dir.join(format!("{stem}.png")),
                dir.join(format!("{stem}.svg"))
            ]
        );

        let png = std::fs::read(&paths[0]).unwrap();
        assert!(png.len() > PNG_SIGNATURE.len(), "PNG is empty");
        assert_eq!(png[..8], PNG_SIGNATURE);
        // IHDR (the first chunk) holds width and height as big-endian u32s.
        assert_eq!(&png[12..16], b"IHDR");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((width, height), (1000, 700));

        let svg = std::fs::read_to_string(&paths[1]).unwrap();
        assert!(svg.starts_with("<svg"), "not an SVG document");
        for text in [
            fig.title.as_str(),
            "simulated",
            "exact",
            "Kramers",
            "1 / temperature",
        ] {
            assert!(svg.contains(text), "SVG lacks `{text}`");
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn log_axis_rejects_non_positive_values_naming_the_series() {
    let mut fig = figure(true);
    fig.series[2].points[3].1 = 0.0;
    let msg = unsupported_message(render_svg(&fig));
    assert!(msg.contains("Kramers") && msg.contains("point 3"), "{msg}");

    // Only the log axis objects: the same zero on a linear y axis is fine.
    fig.log_y = false;
    assert!(render_svg(&fig).is_ok());

    // An error bar reaching below zero on a log axis is rejected too.
    let mut fig = figure(true);
    fig.series[0].error_bars.as_mut().unwrap()[1].0 = -1.0;
    let msg = unsupported_message(render_svg(&fig));
    assert!(
        msg.contains("simulated") && msg.contains("point 1"),
        "{msg}"
    );

    // save fails before writing anything.
    let dir = ScratchDir::unmade("plot", "reject");
    fig.series[0].error_bars.as_mut().unwrap()[1].0 = 0.0;
    assert!(save(&fig, &dir, "bad").is_err());
    assert!(!dir.exists(), "a rejected figure left files behind");
}

/// `Series::with_bars` keeps each point with its own bar, and clipping for a
/// log axis raises only the lower ends below a tenth of their point, so a
/// bar that reached zero is drawable and the others are untouched.
#[test]
fn bars_stay_with_their_points_and_clip_only_low_ends() {
    let series = Series::with_bars(
        "measured".to_string(),
        2,
        [(1.0, 10.0, (-5.0, 20.0)), (2.0, 4.0, (3.0, 5.0))],
    );
    assert_eq!(series.mark, Mark::Points);
    assert_eq!(series.points, vec![(1.0, 10.0), (2.0, 4.0)]);
    assert_eq!(series.error_bars, Some(vec![(-5.0, 20.0), (3.0, 5.0)]));
    let clipped = series.clipped_for_log_axis();
    assert_eq!(clipped.error_bars, Some(vec![(1.0, 20.0), (3.0, 5.0)]));
    let fig = Figure {
        title: "clipped".to_string(),
        x_label: "x".to_string(),
        y_label: "y".to_string(),
        log_x: true,
        log_y: true,
        series: vec![clipped],
    };
    assert!(render_svg(&fig).is_ok());
}

#[test]
fn malformed_series_are_rejected() {
    let mut fig = figure(false);
    fig.series[1].points[0].1 = f64::NAN;
    assert!(unsupported_message(render_svg(&fig)).contains("exact"));

    let mut fig = figure(false);
    fig.series[0].error_bars.as_mut().unwrap().pop();
    assert!(unsupported_message(render_svg(&fig)).contains("simulated"));

    // Error bars are absolute ends and must bracket their point.
    let mut fig = figure(false);
    fig.series[0].error_bars.as_mut().unwrap()[2] = (0.1, 0.2);
    assert!(unsupported_message(render_svg(&fig)).contains("bracket"));

    let mut fig = figure(false);
    fig.series.clear();
    assert!(
        render_svg(&fig).is_err(),
        "a figure with no points was drawn"
    );
}

#[test]
fn rendering_is_deterministic() {
    for log in [false, true] {
        let fig = figure(log);
        let first = render_svg(&fig).unwrap();
        let second = render_svg(&fig.clone()).unwrap();
        assert!(
            first.as_bytes() == second.as_bytes(),
            "SVG differs between renders"
        );
        assert!(
            render_png(&fig).unwrap() == render_png(&fig).unwrap(),
            "PNG differs"
        );
    }
}

/// The text of every `<text>` element of an SVG, in drawing order.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

#[test]
fn a_title_too_wide_for_the_canvas_is_wrapped_without_losing_words() {
    let mut fig = figure(false);
    fig.title = (1..=40)
        .map(|i| format!("word{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let texts = svg_texts(&render_svg(&fig).unwrap());
    // The title is drawn first, one <text> per line.
    let mut lines = Vec::new();
    for t in texts {
        lines.push(t);
        if lines.join(" ").len() >= fig.title.len() {
            break;
        }
    }
    assert!(
        lines.len() >= 2,
        "a 40-word title was not wrapped: {lines:?}"
    );
    assert_eq!(lines.join(" "), fig.title);
}
