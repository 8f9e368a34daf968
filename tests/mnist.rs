//! MNIST on disk: the real files (counts, shapes, known labels, class
//! histograms, normalisation), seeded balanced subsets and label noise, and
//! the IDX reader on malformed files (truncated, bad magic, wrong type,
//! oversized header, trailing bytes, gzip bomb, missing files).

mod common;

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use common::ScratchDir;
use flate2::write::GzEncoder;
use flate2::Compression;
use perturbo::data::mnist::{
    Mnist, MnistSplit, CLASSES, PIXELS, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS,
};
use perturbo::data::{Idx, MAX_IDX_BYTES};
use perturbo::rng::Seed;
use perturbo::Error;
use proptest::prelude::*;

/// The real data set, loaded once per test binary (about 55 MB).
fn mnist() -> &'static Mnist {
    static DATA: OnceLock<Mnist> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
        Mnist::load(&dir).expect("data/mnist must hold the four MNIST files")
    })
}

/// Class counts of the MNIST training and test labels, as printed by
/// `np.unique(y_train, return_counts=True)` on Keras' `mnist.load_data()`
/// and by `targets.bincount()` on torchvision's `MNIST` (two independent
/// readers of the same files, whose MD5s data/README.md checks).
const TRAIN_COUNTS: [usize; CLASSES] = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS: [usize; CLASSES] = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

#[test]
fn counts_shapes_and_known_labels() {
    let data = mnist();
    assert_eq!(data.train().n(), 60_000);
    assert_eq!(data.test().n(), 10_000);
    assert_eq!(data.train().images().len(), 60_000 * 784);
    assert_eq!(data.test().images().len(), 10_000 * 784);
    assert_eq!(data.train().image(59_999).len(), PIXELS);
    // The first digits of each file, as shown in every MNIST tutorial.
    assert_eq!(
        &data.train().labels()[..10],
        &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    );
    assert_eq!(&data.test().labels()[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    assert_eq!(data.train().class_counts(), TRAIN_COUNTS);
    assert_eq!(data.test().class_counts(), TEST_COUNTS);
    // Pixels are ink on a blank background: the first image uses the full
    // byte range and its border row is empty.
    let first = data.train().image(0);
    assert_eq!(first.iter().max(), Some(&255));
    assert!(first[..28].iter().all(|&p| p == 0));
}

#[test]
fn normalisation_matches_the_usual_constants() {
    let norm = mnist().normalisation();
    // The usual constants 0.1307 / 0.3081 are rounded to 4 decimals, so the
    // exact values lie within half a unit of the last digit.
    let rounding = 0.5e-4;
    assert!(
        (norm.mean() - 0.1307).abs() <= rounding,
        "mean {}",
        norm.mean()
    );
    assert!(
        (norm.std() - 0.3081).abs() <= rounding,
        "std {}",
        norm.std()
    );
}

/// Mean and population standard deviation of `values`, accumulated in f64.
fn moments(values: &[f32]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var.sqrt())
}

#[test]
fn features_are_scaled_and_standardised() {
    let data = mnist();
    let raw = data.test().features_f32(None);
    assert_eq!(raw.len(), 10_000 * PIXELS);
    assert!(raw.iter().all(|&x| (0.0..=1.0).contains(&x)));
    let byte = f32::from(data.test().images()[200]) / 255.0;
    assert!((raw[200] - byte).abs() <= f32::EPSILON);

    let standard = data.train().features_f32(Some(&data.normalisation()));
    let (mean, std) = moments(&standard);
    // Each feature is the f32 rounding of an exact standardised value of
    // magnitude below 3 (relative error 2^-24), and the f64 sums of 4.7e7
    // terms add at most ~1e-9: 1e-6 bounds both with margin.
    let bound = 1e-6;
    assert!(mean.abs() <= bound, "mean {mean}");
    assert!((std - 1.0).abs() <= bound, "std {std}");
}

/// Quota of class `c` in a balanced subset of `n`.
fn quota(n: usize, c: usize) -> usize {
    n / CLASSES + usize::from(c < n % CLASSES)
}

#[test]
fn balanced_subsets_are_balanced_distinct_deterministic_and_nested() {
    let train = mnist().train();
    let seed = Seed(42);
    let mut previous: Option<HashSet<usize>> = None;
    for n in [100, 1000, 1005, 10_000] {
        let subset = train.balanced_subset(n, seed).unwrap();
        assert_eq!(subset.len(), n);
        assert!(
            subset.windows(2).all(|w| w[0] < w[1]),
            "ascending, distinct"
        );
        let mut counts = [0; CLASSES];
        for &i in &subset {
            counts[usize::from(train.label(i))] += 1;
        }
        for (c, &count) in counts.iter().enumerate() {
            assert_eq!(count, quota(n, c), "class {c} in subset of {n}");
        }
        assert_eq!(subset, train.balanced_subset(n, seed).unwrap(), "replay");
        let set: HashSet<usize> = subset.iter().copied().collect();
        if let Some(smaller) = previous {
            assert!(smaller.is_subset(&set), "subset of {n} must nest");
        }
        previous = Some(set);
    }
    let other = train.balanced_subset(100, Seed(43)).unwrap();
    assert_ne!(other, train.balanced_subset(100, seed).unwrap());

    let picked = train.subset(&other).unwrap();
    assert_eq!(picked.n(), 100);
    assert_eq!(picked.image(7), train.image(other[7]));
    assert_eq!(picked.label(99), train.label(other[99]));
}

#[test]
fn balanced_subsets_reject_impossible_sizes() {
    let train = mnist().train();
    // The smallest class (digit 5) has 5421 images: 54,220 balanced
    // samples are impossible.
    let err = train.balanced_subset(54_220, Seed(1)).unwrap_err();
    assert!(err.to_string().contains("class 5"), "{err}");
    assert!(train.balanced_subset(54_210, Seed(1)).is_ok());
    assert!(train.balanced_subset(0, Seed(1)).is_err());
    assert!(train.subset(&[]).is_err());
    assert!(train.subset(&[60_000]).is_err());
}

#[test]
fn label_noise_flips_at_the_rate_to_other_classes() {
    let train = mnist().train();
    let rate = 0.2;
    let (noisy, flipped) = train.clone().with_label_noise(rate, Seed(7)).unwrap();
    let n = train.n() as f64;
    // Each label flips independently with probability `rate`: the count is
    // Binomial(n, rate). z = 5 gives a false alarm rate below 1e-6.
    let z = 5.0;
    let se = (n * rate * (1.0 - rate)).sqrt();
    let count = flipped.len() as f64;
    assert!(
        (count - n * rate).abs() <= z * se,
        "{count} flips, expected {}",
        n * rate
    );
    let flipped_set: HashSet<usize> = flipped.iter().copied().collect();
    assert_eq!(flipped_set.len(), flipped.len(), "no index reported twice");
    let mut shifts = [0_usize; CLASSES];
    for i in 0..train.n() {
        let (before, after) = (train.label(i), noisy.label(i));
        if flipped_set.contains(&i) {
            assert_ne!(before, after, "index {i} reported flipped but unchanged");
            shifts[usize::from((after + 10 - before) % 10)] += 1;
        } else {
            assert_eq!(before, after, "index {i} changed but not reported");
        }
    }
    assert_eq!(noisy.images(), train.images(), "images untouched");
    // The new class is uniform over the 9 others: each shift 1..=9 is
    // Binomial(flips, 1/9). Same z = 5, over 9 checks.
    let p = 1.0 / 9.0;
    let se_shift = (count * p * (1.0 - p)).sqrt();
    for (shift, &k) in shifts.iter().enumerate().skip(1) {
        assert!(
            (k as f64 - count * p).abs() <= z * se_shift,
            "shift {shift}: {k} of {count}"
        );
    }

    let (again, flipped_again) = train.clone().with_label_noise(rate, Seed(7)).unwrap();
    assert_eq!(again.labels(), noisy.labels(), "replay");
    assert_eq!(flipped_again, flipped);
}

#[test]
fn label_noise_edge_rates() {
    let small = mnist().test().subset(&[0, 1, 2, 3, 4]).unwrap();
    let (same, none) = small.clone().with_label_noise(0.0, Seed(1)).unwrap();
    assert!(none.is_empty());
    assert_eq!(same, small);
    let (_, all) = small.clone().with_label_noise(1.0, Seed(1)).unwrap();
    assert_eq!(all, vec![0, 1, 2, 3, 4]);
    for bad in [-0.1, 1.5, f64::NAN] {
        assert!(
            small.clone().with_label_noise(bad, Seed(1)).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn split_construction_is_validated() {
    assert!(MnistSplit::new(vec![0; PIXELS], vec![9]).is_ok());
    assert!(MnistSplit::new(vec![0; PIXELS], vec![10]).is_err());
    assert!(MnistSplit::new(vec![0; PIXELS - 1], vec![3]).is_err());
    assert!(MnistSplit::new(Vec::new(), Vec::new()).is_err());
}

// ---------------------------------------------------------------- malformed

/// Writes `bytes` gzip-compressed to `path`.
fn write_gz(path: &Path, bytes: &[u8]) {
    let mut enc = GzEncoder::new(std::fs::File::create(path).unwrap(), Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap();
}

/// An IDX file: magic `[0, 0, code, sizes.len()]`, big-endian sizes, `data`.
fn idx_bytes(code: u8, sizes: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, code, sizes.len() as u8];
    for s in sizes {
        out.extend_from_slice(&s.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// Parses `bytes` and returns the error message; fails if it parses.
fn parse_error(bytes: &[u8]) -> String {
    match Idx::parse(bytes, Path::new("test.idx")) {
        Ok(idx) => panic!("malformed input accepted: dims {:?}", idx.dims()),
        Err(err @ Error::Io { .. }) => {
            let msg = err.to_string();
            assert!(msg.contains("test.idx"), "names the file: {msg}");
            assert!(!msg.contains('\n'), "one line: {msg}");
            msg
        }
        Err(other) => panic!("expected Error::Io, got {other:?}"),
    }
}

#[test]
fn idx_parses_a_well_formed_file() {
    let data: Vec<u8> = (0..24).collect();
    let idx = Idx::parse(&idx_bytes(0x08, &[2, 3, 4], &data), Path::new("ok")).unwrap();
    assert_eq!(idx.dims(), &[2, 3, 4]);
    assert_eq!(idx.data(), data.as_slice());
}

#[test]
fn idx_rejects_malformed_headers_and_lengths() {
    let data = [7_u8; 6];
    let cases: [(Vec<u8>, &str); 10] = [
        (Vec::new(), "truncated"),
        (vec![0, 0, 8], "truncated"),
        (idx_bytes(0x08, &[2, 3], &data[..5]), "truncated"),
        (
            idx_bytes(0x08, &[2, 3], &[data.as_slice(), &[1]].concat()),
            "trailing",
        ),
        (
            [&[1_u8, 0, 8, 1, 0, 0, 0, 6][..], &data].concat(),
            "bad magic",
        ),
        (
            idx_bytes(0x0D, &[6], &data),
            "unsupported IDX type code 0x0d",
        ),
        (idx_bytes(0x07, &[6], &data), "unknown IDX type code 0x07"),
        (idx_bytes(0x08, &[], &data), "zero dimensions"),
        (idx_bytes(0x08, &[2, 0], &[]), "size zero"),
        (idx_bytes(0x08, &[u32::MAX; 3], &data), "overflow"),
    ];
    for (bytes, expected) in cases {
        let msg = parse_error(&bytes);
        assert!(msg.contains(expected), "`{msg}` lacks `{expected}`");
    }
    // Header shorter than its declared 3 sizes.
    assert!(parse_error(&[0, 0, 8, 3, 0, 0, 0, 1]).contains("header"));
    // A header claiming the full training set over 6 bytes: rejected before
    // any allocation of 47 MB.
    let msg = parse_error(&idx_bytes(0x08, &[60_000, 28, 28], &data));
    assert!(msg.contains("47040016"), "{msg}");
}

#[test]
fn gzip_bomb_stops_at_the_cap() {
    let dir = ScratchDir::new("mnist", "bomb");
    let path = dir.join("bomb.gz");
    // A header claiming (cap + 1) bytes of zeros: valid but past the cap.
    // Written in 1 MiB chunks so the test never holds it uncompressed.
    let total = MAX_IDX_BYTES + 1;
    let mut enc = GzEncoder::new(std::fs::File::create(&path).unwrap(), Compression::best());
    enc.write_all(&idx_bytes(0x08, &[total as u32], &[]))
        .unwrap();
    let chunk = vec![0_u8; 1 << 20];
    let mut written = 0;
    while written < total {
        let k = chunk.len().min(total - written);
        enc.write_all(&chunk[..k]).unwrap();
        written += k;
    }
    enc.finish().unwrap();
    let small = std::fs::metadata(&path).unwrap().len();
    assert!(small < 1 << 20, "the bomb is small on disk: {small} bytes");
    let msg = Idx::read_gz(&path).unwrap_err().to_string();
    assert!(msg.contains("cap"), "{msg}");

    let capped = dir.join("capped.gz");
    write_gz(&capped, &idx_bytes(0x08, &[100], &[1; 100]));
    assert!(Idx::read_gz_capped(&capped, 50).is_err());
    assert_eq!(Idx::read_gz_capped(&capped, 108).unwrap().dims(), &[100]);
}

#[test]
fn not_gzip_is_a_clear_error() {
    let dir = ScratchDir::new("mnist", "plain");
    let path = dir.join("plain.gz");
    std::fs::write(&path, idx_bytes(0x08, &[3], &[1, 2, 3])).unwrap();
    let msg = Idx::read_gz(&path).unwrap_err().to_string();
    assert!(msg.contains("plain.gz") && msg.contains("gzip"), "{msg}");
}

#[test]
fn missing_directory_is_a_one_line_error() {
    let msg = Mnist::load(Path::new("/nonexistent/perturbo/mnist"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains(TRAIN_IMAGES), "{msg}");
    assert!(
        msg.contains("copy ../shared/data/mnist into data/mnist"),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "{msg}");
}

/// Writes a tiny MNIST-like directory; `train_images` and `train_labels`
/// replace the training files' contents.
fn fake_mnist(name: &str, train_images: &[u8], train_labels: &[u8]) -> ScratchDir {
    let dir = ScratchDir::new("mnist", name);
    let image = [0_u8; PIXELS];
    write_gz(&dir.join(TRAIN_IMAGES), train_images);
    write_gz(&dir.join(TRAIN_LABELS), train_labels);
    write_gz(
        &dir.join(TEST_IMAGES),
        &idx_bytes(0x08, &[1, 28, 28], &image),
    );
    write_gz(&dir.join(TEST_LABELS), &idx_bytes(0x08, &[1], &[3]));
    dir
}

#[test]
fn inconsistent_files_are_rejected() {
    let two = [[0_u8; PIXELS], [255_u8; PIXELS]].concat();
    let images = idx_bytes(0x08, &[2, 28, 28], &two);
    let cases: [(&str, Vec<u8>, Vec<u8>, &str); 4] = [
        (
            "shape",
            idx_bytes(0x08, &[2, 28 * 28], &two),
            idx_bytes(0x08, &[2], &[1, 2]),
            TRAIN_IMAGES,
        ),
        (
            "count",
            images.clone(),
            idx_bytes(0x08, &[3], &[1, 2, 3]),
            TRAIN_LABELS,
        ),
        (
            "label",
            images.clone(),
            idx_bytes(0x08, &[2], &[1, 10]),
            TRAIN_LABELS,
        ),
        (
            "truncated",
            images[..images.len() - 1].to_vec(),
            idx_bytes(0x08, &[2], &[1, 2]),
            TRAIN_IMAGES,
        ),
    ];
    for (name, train_images, train_labels, culprit) in cases {
        let dir = fake_mnist(name, &train_images, &train_labels);
        let msg = Mnist::load(&dir).unwrap_err().to_string();
        assert!(msg.contains(culprit), "{name}: {msg}");
        assert!(!msg.contains('\n'), "{name}: {msg}");
    }
    // The same directory with consistent files loads, and the
    // normalisation comes from the training images (half 0, half 1).
    let dir = fake_mnist("good", &images, &idx_bytes(0x08, &[2], &[1, 2]));
    let fake = Mnist::load(&dir).unwrap();
    assert_eq!(fake.train().n(), 2);
    assert!((fake.normalisation().mean() - 0.5).abs() <= f64::EPSILON);
    assert!((fake.normalisation().std() - 0.5).abs() <= f64::EPSILON);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes, and arbitrary bytes behind a valid-looking magic
    /// number, never panic; whatever parses satisfies the invariant.
    #[test]
    fn idx_never_panics(ndim in 0_u8..4, tail in proptest::collection::vec(any::<u8>(), 0..64)) {
        let bytes = [&[0, 0, 8, ndim][..], &tail].concat();
        for input in [&tail[..], &bytes[..]] {
            if let Ok(idx) = Idx::parse(input, Path::new("fuzz")) {
                prop_assert_eq!(idx.dims().iter().product::<usize>(), idx.data().len());
            }
        }
    }
}
