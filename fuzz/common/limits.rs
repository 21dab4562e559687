//! The small limits the archive targets open inputs with, so bombs trip
//! quickly and runs stay fast.

use assay::artifact::Limits;

pub fn small_limits() -> Limits {
    Limits {
        max_total_bytes: 8 * 1024 * 1024,
        max_file_bytes: 1024 * 1024,
        max_entries: 1000,
        max_ratio: 100,
        ratio_floor_bytes: 1024 * 1024,
        max_hashed_bytes: 16 * 1024 * 1024,
        ..Limits::default()
    }
}
