//! The numpy arrays joblib writes inline in its pickles.
//!
//! `joblib.dump` (joblib 0.12 and later) pickles each numpy array as a
//! `joblib.numpy_pickle.NumpyArrayWrapper` whose `BUILD` state holds the
//! array's `shape`, `dtype` and, since joblib 1.2,
//! `numpy_array_alignment_bytes`; `joblib.load` then reads the array
//! straight from the file, right after that `BUILD`: one byte giving a
//! padding length and that many padding bytes (only when the alignment is
//! set), then `prod(shape) * itemsize` bytes of data. Arrays of Python
//! objects are written instead as a complete pickle of their own, which
//! `joblib.load` unpickles. This module works out, from the wrapper's state,
//! which of the two follows and how long the raw bytes are, so the pickle
//! walker skips exactly the bytes `joblib.load` reads as data; anything it
//! does not understand is an error, never a guess.

/// The class `joblib.dump` pickles in place of an array, by module.
const WRAPPER_MODULES: &[&str] = &[
    "joblib.numpy_pickle",
    "sklearn.externals.joblib.numpy_pickle",
];

/// Does `module.name` name joblib's array wrapper class?
pub(super) fn is_array_wrapper(module: &str, name: &str) -> bool {
    name == "NumpyArrayWrapper" && WRAPPER_MODULES.contains(&module)
}

/// Does `module.name` name `numpy.dtype`, as numpy pickles it?
pub(super) fn is_numpy_dtype(module: &str, name: &str) -> bool {
    module == "numpy" && name == "dtype"
}

/// A `numpy.dtype` as far as the pickle shows it: the descriptor passed to
/// `numpy.dtype(…)` (`f8`, `U5`, `O8`) and its `BUILD` state, once seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Dtype {
    pub descriptor: String,
    pub state: Option<DtypeState>,
}

/// What a dtype's `BUILD` state says about its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DtypeState {
    /// A subarray, field names or fields are set (a structured dtype,
    /// which may hold objects).
    pub fields: bool,
    /// The element size the state sets, which numpy applies to `S`, `U`
    /// and `V` dtypes.
    pub elsize: Option<i64>,
}

/// The wrapper's state as the walker read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WrapperState {
    /// The `shape` tuple, `None` unless it is a tuple of integers.
    pub shape: Option<Vec<i64>>,
    pub dtype: Option<Dtype>,
    pub alignment: Alignment,
}

/// The wrapper's `numpy_array_alignment_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Alignment {
    /// Missing (joblib before 1.2) or `None`: no padding byte.
    Unset,
    /// An integer: a padding length byte and padding come first.
    Set,
    /// Anything else.
    NotUnderstood,
}

/// What follows the wrapper's `BUILD` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Payload {
    /// A complete pickle of the array's Python objects.
    Objects,
    /// Raw bytes: a padding byte and padding first when `aligned`, then
    /// `len` bytes of data.
    Raw { aligned: bool, len: usize },
}

/// What follows a wrapper whose state is `state`, or why it is not known.
pub(super) fn payload(state: &WrapperState) -> Result<Payload, &'static str> {
    let dtype = state
        .dtype
        .as_ref()
        .ok_or("joblib array without a readable dtype")?;
    let itemsize = match itemsize(dtype)? {
        Item::Objects => return Ok(Payload::Objects),
        Item::Bytes(n) => n,
    };
    let shape = state
        .shape
        .as_ref()
        .ok_or("joblib array without a readable shape")?;
    let mut count: usize = 1;
    for &dim in shape {
        let dim = usize::try_from(dim).map_err(|_| "joblib array with a negative dimension")?;
        count = count
            .checked_mul(dim)
            .ok_or("joblib array size overflows")?;
    }
    let len = count
        .checked_mul(itemsize)
        .ok_or("joblib array size overflows")?;
    let aligned = match state.alignment {
        Alignment::Unset => false,
        Alignment::Set => true,
        Alignment::NotUnderstood => return Err("joblib array alignment not understood"),
    };
    Ok(Payload::Raw { aligned, len })
}

enum Item {
    Objects,
    Bytes(usize),
}

/// Bytes per element of a dtype descriptor, as `numpy.dtype.__reduce__`
/// writes them (a kind letter and a size: `b1`, `i8`, `f4`, `c16`, `S10`,
/// `U5` in characters, `V24`, `O8`), plus `?` and `bool`. The sizes of `S`,
/// `U` and `V` dtypes must agree with the element size of their state.
fn itemsize(dtype: &Dtype) -> Result<Item, &'static str> {
    const UNKNOWN: &str = "joblib array dtype not understood";
    let descriptor = dtype.descriptor.as_str();
    let descriptor = descriptor
        .strip_prefix(['<', '>', '|', '='])
        .unwrap_or(descriptor);
    if descriptor.starts_with('O') {
        return Ok(Item::Objects);
    }
    if dtype.state.is_some_and(|s| s.fields) {
        return Err("joblib array of a structured dtype not understood");
    }
    if descriptor == "?" || descriptor == "bool" {
        return Ok(Item::Bytes(1));
    }
    let mut chars = descriptor.chars();
    let kind = chars.next().ok_or(UNKNOWN)?;
    let digits = chars.as_str();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UNKNOWN);
    }
    let size: usize = digits.parse().map_err(|_| UNKNOWN)?;
    let fixed = |sizes: &[usize]| {
        if sizes.contains(&size) {
            Ok(Item::Bytes(size))
        } else {
            Err(UNKNOWN)
        }
    };
    let flexible = |bytes: Option<usize>| {
        let bytes = bytes.filter(|&b| b > 0).ok_or(UNKNOWN)?;
        let elsize = dtype.state.and_then(|s| s.elsize);
        // joblib.load divides by the itemsize: 0 fails to load.
        if elsize.and_then(|e| usize::try_from(e).ok()) == Some(bytes) {
            Ok(Item::Bytes(bytes))
        } else {
            Err("joblib array dtype size not understood")
        }
    };
    match kind {
        'b' => fixed(&[1]),
        'i' | 'u' => fixed(&[1, 2, 4, 8]),
        'f' => fixed(&[2, 4, 8, 16]),
        'c' => fixed(&[8, 16, 32]),
        'M' | 'm' => fixed(&[8]),
        'S' | 'V' => flexible(Some(size)),
        'U' => flexible(size.checked_mul(4)),
        _ => Err(UNKNOWN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(descriptor: &str, shape: &[i64], alignment: Alignment) -> WrapperState {
        let digits: String = descriptor.chars().filter(char::is_ascii_digit).collect();
        let size: i64 = digits.parse().unwrap_or(0);
        let elsize = if descriptor.starts_with('U') {
            size * 4
        } else {
            size
        };
        WrapperState {
            shape: Some(shape.to_vec()),
            dtype: Some(Dtype {
                descriptor: descriptor.to_owned(),
                state: Some(DtypeState {
                    fields: false,
                    elsize: Some(elsize),
                }),
            }),
            alignment,
        }
    }

    /// `wrapper` with its dtype's state setting the element size.
    fn with_elsize(mut wrapper: WrapperState, elsize: i64) -> WrapperState {
        let dtype = wrapper.dtype.as_mut().expect("a dtype");
        dtype.state.as_mut().expect("a dtype state").elsize = Some(elsize);
        wrapper
    }

    fn raw(len: usize, aligned: bool) -> Result<Payload, &'static str> {
        Ok(Payload::Raw { aligned, len })
    }

    #[test]
    fn sizes_of_the_dtypes_numpy_pickles() {
        assert_eq!(
            payload(&state("f8", &[3, 4], Alignment::Set)),
            raw(96, true)
        );
        assert_eq!(payload(&state("b1", &[5], Alignment::Unset)), raw(5, false));
        assert_eq!(payload(&state("?", &[5], Alignment::Unset)), raw(5, false));
        assert_eq!(payload(&state("c16", &[2], Alignment::Set)), raw(32, true));
        assert_eq!(payload(&state("U5", &[2], Alignment::Set)), raw(40, true));
        assert_eq!(payload(&state("S7", &[2], Alignment::Set)), raw(14, true));
        assert_eq!(payload(&state("V3", &[2], Alignment::Set)), raw(6, true));
        assert_eq!(payload(&state("<i4", &[], Alignment::Set)), raw(4, true));
        assert_eq!(payload(&state("i8", &[0, 9], Alignment::Set)), raw(0, true));
        assert_eq!(
            payload(&state("O8", &[4], Alignment::NotUnderstood)),
            Ok(Payload::Objects)
        );
    }

    #[test]
    fn what_is_not_understood_is_an_error() {
        for descriptor in ["f3", "x8", "f", "S0", "U", "i8x", "", "d"] {
            assert!(payload(&state(descriptor, &[1], Alignment::Set)).is_err());
        }
        assert!(payload(&state("f8", &[-1], Alignment::Set)).is_err());
        assert!(payload(&state("f8", &[i64::MAX, i64::MAX], Alignment::Set)).is_err());
        assert!(payload(&state("f8", &[1], Alignment::NotUnderstood)).is_err());
        let mut structured = state("V16", &[1], Alignment::Set);
        let dtype = structured.dtype.as_mut().unwrap();
        dtype.state.as_mut().unwrap().fields = true;
        assert!(payload(&structured).is_err());
        // A flexible dtype whose state is unseen, or sets another size.
        let dtype = structured.dtype.as_mut().unwrap();
        dtype.state = None;
        assert!(payload(&structured).is_err());
        let resized = with_elsize(state("S4", &[1], Alignment::Set), 4000);
        assert!(payload(&resized).is_err());
        // Fixed-size dtypes ignore the state's -1.
        let floats = with_elsize(state("f4", &[2], Alignment::Unset), -1);
        assert_eq!(payload(&floats), raw(8, false));
        let mut no_shape = state("f8", &[1], Alignment::Set);
        no_shape.shape = None;
        assert!(payload(&no_shape).is_err());
        no_shape.dtype = None;
        assert!(payload(&no_shape).is_err());
    }

    #[test]
    fn wrapper_and_dtype_names() {
        assert!(is_array_wrapper("joblib.numpy_pickle", "NumpyArrayWrapper"));
        assert!(!is_array_wrapper("joblib.numpy_pickle", "NDArrayWrapper"));
        assert!(is_numpy_dtype("numpy", "dtype"));
        assert!(!is_numpy_dtype("os", "dtype"));
    }
}
