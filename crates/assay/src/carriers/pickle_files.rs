//! Finding the pickles a package ships: plain pickle files of any name,
//! compressed joblib dumps, numpy object arrays, and the pickles inside
//! zip containers (PyTorch `.pt`/`.pth` checkpoints keep theirs as
//! `archive/data.pkl`; `.npz` files hold `.npy` members).

use std::io::Read;

use super::pickle::{self, PickleScan};

/// One pickle stream found in a package file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickleFile {
    /// The package file.
    pub path: String,
    /// The member of a zip container the pickle is, when it is one
    /// (`archive/data.pkl`).
    pub member: Option<String>,
    /// How the pickle is carried: `pickle`, `zlib-compressed pickle`,
    /// `numpy object array`.
    pub carrier: &'static str,
    pub scan: PickleScan,
}

/// Most bytes a compressed pickle may inflate to.
const MAX_INFLATED: u64 = 64 * 1024 * 1024;
/// Most members of one zip container looked at.
const MAX_MEMBERS: usize = 10_000;

/// Names that say "pickle" even for protocols 0 and 1, which have no header.
const PICKLE_NAMES: &[&str] = &[
    ".pkl", ".pickle", ".pck", ".pcl", ".joblib", ".pt", ".pth", ".ckpt", ".sav", ".dill",
];

/// The pickles in one file of a package.
pub fn pickles_in(path: &str, data: &[u8]) -> Vec<PickleFile> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".py") || lower.ends_with(".pyi") || lower.ends_with(".pyw") {
        return Vec::new();
    }
    let mut out = Vec::new();
    if data.starts_with(b"PK\x03\x04") {
        zip_members(path, data, &mut out);
        return out;
    }
    let named = PICKLE_NAMES.iter().any(|ext| lower.ends_with(ext));
    if let Some((carrier, scan)) = stream(data, named) {
        out.push(PickleFile {
            path: path.to_owned(),
            member: None,
            carrier,
            scan,
        });
    }
    out
}

/// A pickle stream in `data`, plain, compressed or as a numpy array.
fn stream(data: &[u8], named: bool) -> Option<(&'static str, PickleScan)> {
    if data.starts_with(b"\x80") && pickle::looks_like_pickle(data) {
        return Some(("pickle", pickle::walk(data)));
    }
    if named && pickle::looks_like_pickle(data) {
        return Some(("pickle", pickle::walk(data)));
    }
    if let Some(body) = numpy_object_body(data) {
        return pickle::looks_like_pickle(body).then(|| ("numpy object array", pickle::walk(body)));
    }
    if named {
        let (carrier, inflated) = inflate(data)?;
        return pickle::looks_like_pickle(&inflated).then(|| (carrier, pickle::walk(&inflated)));
    }
    None
}

/// The pickle after a `.npy` header whose dtype is `object` (`'|O'`).
fn numpy_object_body(data: &[u8]) -> Option<&[u8]> {
    let rest = data.strip_prefix(b"\x93NUMPY")?;
    let major = *rest.first()?;
    let (len, start) = match major {
        1 => (
            usize::from(u16::from_le_bytes([*rest.get(2)?, *rest.get(3)?])),
            4usize,
        ),
        _ => {
            let b = rest.get(2..6)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 6)
        }
    };
    let header = rest.get(start..start.checked_add(len)?)?;
    let header = String::from_utf8_lossy(header);
    let object = header.contains("'|O'") || header.contains("\"|O\"") || header.contains("'O'");
    object.then(|| &rest[start + len..])
}

/// A joblib or hand-compressed dump: zlib, gzip, bz2 or xz, within a limit.
fn inflate(data: &[u8]) -> Option<(&'static str, Vec<u8>)> {
    // Old joblib writes `ZF0x…` then a zlib stream.
    let (carrier, reader): (&'static str, Box<dyn Read + '_>) = if data.starts_with(b"ZF") {
        let at = data.iter().position(|&b| b == 0x78)?;
        (
            "zlib-compressed pickle",
            Box::new(flate2::read::ZlibDecoder::new(&data[at..])),
        )
    } else if data.starts_with(&[0x78]) {
        (
            "zlib-compressed pickle",
            Box::new(flate2::read::ZlibDecoder::new(data)),
        )
    } else if data.starts_with(&[0x1f, 0x8b]) {
        (
            "gzip-compressed pickle",
            Box::new(flate2::read::GzDecoder::new(data)),
        )
    } else if data.starts_with(b"BZh") {
        (
            "bz2-compressed pickle",
            Box::new(bzip2::read::BzDecoder::new(data)),
        )
    } else if data.starts_with(b"\xfd7zXZ") {
        (
            "xz-compressed pickle",
            Box::new(xz2::read::XzDecoder::new(data)),
        )
    } else {
        return None;
    };
    let mut out = Vec::new();
    reader.take(MAX_INFLATED).read_to_end(&mut out).ok()?;
    Some((carrier, out))
}

/// The pickles among a zip container's members (PyTorch checkpoints,
/// `.npz` arrays, zipped pickles).
fn zip_members(path: &str, data: &[u8], out: &mut Vec<PickleFile>) {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(data)) else {
        return;
    };
    for i in 0..archive.len().min(MAX_MEMBERS) {
        let Ok(member) = archive.by_index(i) else {
            continue;
        };
        let name = member.name().to_owned();
        let lower = name.to_ascii_lowercase();
        // Tensor storages (`archive/data/0`) are raw numbers: not read.
        let wanted = PICKLE_NAMES.iter().any(|ext| lower.ends_with(ext)) || lower.ends_with(".npy");
        if !wanted || member.is_dir() || member.size() > MAX_INFLATED {
            continue;
        }
        let mut bytes = Vec::new();
        if member.take(MAX_INFLATED).read_to_end(&mut bytes).is_err() {
            continue;
        }
        let named = PICKLE_NAMES.iter().any(|ext| lower.ends_with(ext));
        if let Some((carrier, scan)) = stream(&bytes, named) {
            out.push(PickleFile {
                path: path.to_owned(),
                member: Some(name),
                carrier,
                scan,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const SYSTEM: &[u8] = b"\x80\x02cposix\nsystem\nU\x02id\x85R.";

    #[test]
    fn plain_and_named_pickles() {
        assert_eq!(pickles_in("m/model.bin", SYSTEM).len(), 1);
        assert_eq!(pickles_in("m/x.pkl", b"cos\nsystem\n(S'id'\ntR.").len(), 1);
        assert!(pickles_in("m/readme.txt", b"cos\nsystem\n(S'id'\ntR.").is_empty());
        assert!(pickles_in("m/x.py", SYSTEM).is_empty());
    }

    #[test]
    fn torch_zip_and_compressed_joblib() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("archive/data.pkl", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(SYSTEM).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let found = pickles_in("w/model.pt", &bytes);
        assert_eq!(found[0].member.as_deref(), Some("archive/data.pkl"));

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(SYSTEM).unwrap();
        let found = pickles_in("w/model.joblib", &z.finish().unwrap());
        assert_eq!(found[0].carrier, "zlib-compressed pickle");
    }

    #[test]
    fn numpy_object_arrays_only() {
        let header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }   \n";
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
        npy.extend_from_slice(header);
        npy.extend_from_slice(SYSTEM);
        assert_eq!(pickles_in("d/a.npy", &npy)[0].carrier, "numpy object array");
        let plain = String::from_utf8_lossy(header).replace("|O", "<f8");
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        npy.extend_from_slice(&(plain.len() as u16).to_le_bytes());
        npy.extend_from_slice(plain.as_bytes());
        npy.extend_from_slice(&[0; 8]);
        assert!(pickles_in("d/a.npy", &npy).is_empty());
    }
}
