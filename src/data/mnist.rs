//! The MNIST database of handwritten digits, read from its four IDX files.
//!
//! Source: LeCun, Cortes and Burges, "The MNIST database of handwritten
//! digits"; LeCun, Bottou, Bengio and Haffner, "Gradient-based learning
//! applied to document recognition", Proc. IEEE 86(11), 1998. 60,000 training
//! and 10,000 test images of 28 x 28 grey pixels (0 = background, 255 = ink)
//! with labels 0 to 9. The gzip files live in `data/mnist/` (see
//! `data/README.md` for checksums and license).
//!
//! Images stay as bytes (47 MB for the training set instead of 188 MB of
//! `f32`); [`MnistSplit::features_f32`] expands them on demand, optionally
//! standardised by a [`Normalisation`] fitted on the training set only, so no
//! test statistic leaks into training. Low-data experiments draw seeded
//! class-balanced subsets ([`MnistSplit::balanced_subset`]) and corrupt
//! labels ([`MnistSplit::with_label_noise`]); both are functions of their
//! arguments and a [`Seed`] alone.

use std::path::Path;

use rand::RngExt;

use super::idx::Idx;
use crate::error::{ensure_at_least, ensure_dim, ensure_non_negative, io_error, Error, Result};
use crate::rng::Seed;

/// Where the files are, relative to the repository root.
pub const DEFAULT_DIR: &str = "data/mnist";
/// Side of an image in pixels.
pub const SIDE: usize = 28;
/// Pixels per image, `28 x 28`.
pub const PIXELS: usize = SIDE * SIDE;
/// Number of classes (digits 0 to 9).
pub const CLASSES: usize = 10;
/// File name of the training images.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte.gz";
/// File name of the training labels.
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte.gz";
/// File name of the test images.
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte.gz";
/// File name of the test labels.
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte.gz";

/// How to obtain the files, appended to a "missing file" error.
const HOW_TO_GET: &str = "missing; copy ../shared/data/mnist into data/mnist";

/// The largest value of a pixel byte, the scale to `[0, 1]`.
const PIXEL_MAX: f64 = 255.0;

/// One split (train or test): `n` images of [`PIXELS`] bytes, row-major, and
/// `n` labels in `0..CLASSES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnistSplit {
    images: Vec<u8>,
    labels: Vec<u8>,
}

impl MnistSplit {
    /// The split with `images` (length `n * PIXELS`, image `i` at
    /// `i * PIXELS ..`) and `labels` (length `n`).
    ///
    /// Rejects `n = 0`, a length mismatch and a label of 10 or more.
    pub fn new(images: Vec<u8>, labels: Vec<u8>) -> Result<Self> {
        ensure_at_least("n", labels.len(), 1, "at least one image")?;
        let expected = labels.len().saturating_mul(PIXELS);
        ensure_dim("mnist: image bytes vs n x 784", expected, images.len())?;
        if let Some(i) = labels.iter().position(|&y| usize::from(y) >= CLASSES) {
            return Err(Error::OutOfRange {
                name: "label",
                value: f64::from(labels[i]),
                expected: "a digit 0 to 9",
            });
        }
        Ok(Self { images, labels })
    }

    /// Number of images `n` (at least 1).
    #[inline]
    pub fn n(&self) -> usize {
        self.labels.len()
    }

    /// All images, `n x 784` bytes row-major.
    #[inline]
    pub fn images(&self) -> &[u8] {
        &self.images
    }

    /// Image `i`, 784 bytes, row-major `28 x 28`.
    ///
    /// # Panics
    /// If `i >= n` (a programmer bug).
    #[inline]
    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * PIXELS..(i + 1) * PIXELS]
    }

    /// All labels, length `n`.
    #[inline]
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Label of image `i`.
    ///
    /// # Panics
    /// If `i >= n` (a programmer bug).
    #[inline]
    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    /// Number of images of each class.
    pub fn class_counts(&self) -> [usize; CLASSES] {
        let mut counts = [0; CLASSES];
        for &y in &self.labels {
            counts[usize::from(y)] += 1;
        }
        counts
    }

    /// The split made of the images at `indices`, in that order (repeats
    /// allowed).
    ///
    /// Rejects an empty list and an index `>= n`.
    pub fn subset(&self, indices: &[usize]) -> Result<Self> {
        ensure_at_least("subset size", indices.len(), 1, "at least one index")?;
        if let Some(&i) = indices.iter().find(|&&i| i >= self.n()) {
            return Err(Error::OutOfRange {
                name: "subset index",
                value: i as f64,
                expected: "below the number of images",
            });
        }
        let mut images = Vec::with_capacity(indices.len() * PIXELS);
        for &i in indices {
            images.extend_from_slice(self.image(i));
        }
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Ok(Self { images, labels })
    }

    /// `n` distinct indices, class-balanced, drawn uniformly without
    /// replacement within each class; ascending.
    ///
    /// Class `c` gets `n / 10` indices, plus one if `c < n % 10` (the
    /// remainder goes to the lowest digits). Within class `c` the draw is a
    /// partial Fisher-Yates shuffle of that class's indices driven by
    /// `seed.stream(c)`, so the subset for a larger `n` contains the one for
    /// a smaller `n` under the same seed (nested low-data subsets).
    ///
    /// Rejects `n = 0` and a class with fewer images than its quota.
    pub fn balanced_subset(&self, n: usize, seed: Seed) -> Result<Vec<usize>> {
        ensure_at_least("n", n, 1, "at least one sample")?;
        let mut by_class: [Vec<usize>; CLASSES] = Default::default();
        for (i, &y) in self.labels.iter().enumerate() {
            by_class[usize::from(y)].push(i);
        }
        let mut chosen = Vec::with_capacity(n);
        for (c, pool) in by_class.iter_mut().enumerate() {
            let quota = n / CLASSES + usize::from(c < n % CLASSES);
            if quota > pool.len() {
                return Err(Error::Unsupported(format!(
                    "balanced subset of {n}: class {c} has {} images, needs {quota}",
                    pool.len()
                )));
            }
            let mut rng = seed.stream(c as u64);
            for j in 0..quota {
                let k = rng.random_range(j..pool.len());
                pool.swap(j, k);
            }
            chosen.extend_from_slice(&pool[..quota]);
        }
        chosen.sort_unstable();
        Ok(chosen)
    }

    /// This split with symmetric label noise, and the ascending indices whose
    /// label was changed.
    ///
    /// Each label is flipped independently with probability `rate`, to a
    /// class drawn uniformly among the 9 *other* classes, from the one
    /// generator `seed.rng()` in index order. This is the "partially
    /// corrupted labels" experiment of Zhang, Bengio, Hardt, Recht and
    /// Vinyals, "Understanding deep learning requires rethinking
    /// generalization", ICLR 2017, section 2, except that there the new
    /// class may equal the old one; here every flip changes the label, so
    /// `rate` is the actual corruption rate. The images are moved, not
    /// copied.
    ///
    /// Rejects `rate` outside `[0, 1]` or NaN.
    pub fn with_label_noise(mut self, rate: f64, seed: Seed) -> Result<(Self, Vec<usize>)> {
        ensure_non_negative("label noise rate", rate)?;
        if rate > 1.0 {
            return Err(Error::OutOfRange {
                name: "label noise rate",
                value: rate,
                expected: "a probability in [0, 1]",
            });
        }
        let mut rng = seed.rng();
        let mut flipped = Vec::new();
        for (i, y) in self.labels.iter_mut().enumerate() {
            if rng.random::<f64>() < rate {
                let shift = rng.random_range(1..CLASSES as u8);
                *y = (*y + shift) % CLASSES as u8;
                flipped.push(i);
            }
        }
        Ok((self, flipped))
    }

    /// The images as `f32` features, `n x 784` row-major: each pixel scaled
    /// to `x = p / 255` in `[0, 1]`, then standardised to
    /// `(x - mean) / std` if `normalisation` is given.
    pub fn features_f32(&self, normalisation: Option<&Normalisation>) -> Vec<f32> {
        let table = pixel_table(normalisation);
        self.images.iter().map(|&p| table[usize::from(p)]).collect()
    }
}

/// The value of every pixel byte under `normalisation` (or the plain
/// `[0, 1]` scaling), so expanding an image is a table lookup per pixel.
fn pixel_table(normalisation: Option<&Normalisation>) -> [f32; 256] {
    let mut table = [0.0; 256];
    for (p, v) in table.iter_mut().enumerate() {
        let x = p as f64 / PIXEL_MAX;
        *v = match normalisation {
            Some(n) => ((x - n.mean) / n.std) as f32,
            None => x as f32,
        };
    }
    table
}

/// A scalar standardisation of pixels, `x -> (x - mean) / std` for
/// `x = p / 255`, fitted on one split (the training set).
///
/// One mean and one standard deviation over all pixels of all images (not
/// per pixel position), the usual MNIST preprocessing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalisation {
    mean: f64,
    std: f64,
}

impl Normalisation {
    /// The mean and population standard deviation of `x = p / 255` over all
    /// pixels of `split`, computed exactly from the histogram of byte
    /// values.
    ///
    /// Rejects a split whose pixels are all equal (zero deviation).
    pub fn fit(split: &MnistSplit) -> Result<Self> {
        let mut histogram = [0_u64; 256];
        for &p in split.images() {
            histogram[usize::from(p)] += 1;
        }
        let total = split.images().len() as f64;
        let mean = histogram
            .iter()
            .enumerate()
            .map(|(p, &c)| c as f64 * (p as f64 / PIXEL_MAX))
            .sum::<f64>()
            / total;
        let variance = histogram
            .iter()
            .enumerate()
            .map(|(p, &c)| c as f64 * (p as f64 / PIXEL_MAX - mean).powi(2))
            .sum::<f64>()
            / total;
        let std = variance.sqrt();
        if std > 0.0 {
            Ok(Self { mean, std })
        } else {
            Err(Error::NonPositive {
                name: "pixel standard deviation",
                value: std,
            })
        }
    }

    /// The mean of `p / 255`.
    #[inline]
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The population standard deviation of `p / 255` (positive).
    #[inline]
    pub fn std(&self) -> f64 {
        self.std
    }
}

/// The MNIST training and test splits, and the [`Normalisation`] of the
/// training set.
#[derive(Debug, Clone, PartialEq)]
pub struct Mnist {
    train: MnistSplit,
    test: MnistSplit,
    normalisation: Normalisation,
}

impl Mnist {
    /// Reads the four gzip IDX files from `dir` (usually [`DEFAULT_DIR`]).
    ///
    /// Rejects a missing file (one line naming it and how to get it), any
    /// malformed file (see [`Idx::read_gz`]), images that are not
    /// `n x 28 x 28`, labels that are not a vector of `n` digits `0..=9`, and
    /// image and label counts that disagree.
    pub fn load(dir: &Path) -> Result<Self> {
        let train = read_split(dir, TRAIN_IMAGES, TRAIN_LABELS)?;
        let test = read_split(dir, TEST_IMAGES, TEST_LABELS)?;
        let normalisation = Normalisation::fit(&train)?;
        Ok(Self {
            train,
            test,
            normalisation,
        })
    }

    /// The 60,000 training images.
    #[inline]
    pub fn train(&self) -> &MnistSplit {
        &self.train
    }

    /// The 10,000 test images.
    #[inline]
    pub fn test(&self) -> &MnistSplit {
        &self.test
    }

    /// The standardisation fitted on the training set, to apply to both
    /// splits.
    #[inline]
    pub fn normalisation(&self) -> Normalisation {
        self.normalisation
    }

    /// The training and test splits, moved out.
    pub fn into_splits(self) -> (MnistSplit, MnistSplit) {
        (self.train, self.test)
    }
}

/// Reads one split from its image and label files in `dir`.
fn read_split(dir: &Path, images_name: &str, labels_name: &str) -> Result<MnistSplit> {
    let images_path = dir.join(images_name);
    let labels_path = dir.join(labels_name);
    let images = read_file(&images_path)?;
    let labels = read_file(&labels_path)?;
    let [n, rows, cols] = images.dims() else {
        return Err(shape_error(&images_path, "n x 28 x 28", images.dims()));
    };
    if (*rows, *cols) != (SIDE, SIDE) {
        return Err(shape_error(&images_path, "n x 28 x 28", images.dims()));
    }
    let n = *n;
    if labels.dims() != [n] {
        return Err(shape_error(
            &labels_path,
            &format!("a vector of {n} labels (one per image)"),
            labels.dims(),
        ));
    }
    MnistSplit::new(images.into_data(), labels.into_data())
        .map_err(|e| io_error("read", &labels_path, e))
}

/// Reads one gzip IDX file, with the "how to get it" hint if it is missing.
fn read_file(path: &Path) -> Result<Idx> {
    if !path.is_file() {
        return Err(io_error("read", path, HOW_TO_GET));
    }
    Idx::read_gz(path)
}

/// The error for a file whose sizes are not the `expected` shape.
fn shape_error(path: &Path, expected: &str, dims: &[usize]) -> Error {
    io_error(
        "read",
        path,
        format!("expected sizes {expected}, got {dims:?}"),
    )
}
