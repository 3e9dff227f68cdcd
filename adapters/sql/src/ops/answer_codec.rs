//! How an idempotency record's answer is stored: `response_body` and its `response_encoding`.
//!
//! - `NULL`: as sent; answers under [`DEFLATE_FROM`] bytes.
//! - `'zlib-dict-1'`: deflated in the zlib format with a preset dictionary (RFC 1950, FDICT):
//!   [`DICTIONARY_1`], answers as the API sends them (a session's view at the start of each
//!   shipped template, a verification's view, a problem), ids, times and phones made neutral. A
//!   session's view, the usual answer (1.4 KB of JSON), deflates with the dictionary to less
//!   than half of what deflate alone gives (a test checks it), since most of it (field names,
//!   the flow's steps and titles) is in there (issue 11, item 4: bytes stored per journey;
//!   `bench/storage.sh`).
//! - `'zlib'`: deflated without a dictionary, as records written before `zlib-dict-1` were.
//!   Still read; records live 24 hours.
//!
//! A new dictionary gets a new encoding name and this one stays readable until the records that
//! use it have expired: a stored answer must replay byte for byte.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use onramp_domain::ports::StoreError;

/// The smallest answer stored deflated, in bytes: below it the zlib frame (6 bytes) and the
/// work outweigh what deflate saves.
pub(crate) const DEFLATE_FROM: usize = 256;

/// The preset dictionary of `zlib-dict-1` (see the module docs). Never edit it: records stored
/// with it would no longer inflate.
const DICTIONARY_1: &[u8] = include_bytes!("answers-v1.dict");

const ZLIB: &str = "zlib";

thread_local! {
    /// One deflater per thread, reset for each answer: a new one allocates and zeroes its
    /// window and hash tables (about 270 KB), which showed in the server's profile
    /// (`bench/profile.sh`: `memset`, `malloc_consolidate`).
    static DEFLATER: RefCell<Compress> = RefCell::new(Compress::new(Compression::default(), true));
}
const ZLIB_DICT_1: &str = "zlib-dict-1";

/// The stored form of an answer's `body`, and its `response_encoding`.
///
/// # Errors
/// [`StoreError::Corrupt`] when deflating fails (it does not on a `Vec`).
pub(crate) fn encode(body: Vec<u8>) -> Result<(Vec<u8>, Option<&'static str>), StoreError> {
    if body.len() < DEFLATE_FROM {
        return Ok((body, None));
    }
    let failed = |e: flate2::CompressError| {
        StoreError::Corrupt(format!("deflating an idempotency answer: {e}"))
    };
    DEFLATER.with_borrow_mut(|deflater| {
        // As new: totals at zero, no dictionary, no pending output.
        deflater.reset();
        deflater.set_dictionary(DICTIONARY_1).map_err(failed)?;
        let mut out = Vec::with_capacity(body.len() / 2 + 64);
        loop {
            let input = body.get(offset(deflater.total_in())..).unwrap_or_default();
            match deflater
                .compress_vec(input, &mut out, FlushCompress::Finish)
                .map_err(failed)?
            {
                Status::StreamEnd => return Ok((out, Some(ZLIB_DICT_1))),
                // The output is full: make room and go on.
                Status::Ok | Status::BufError => out.reserve(out.capacity().max(256)),
            }
        }
    })
}

/// The answer's body from its stored form.
///
/// # Errors
/// [`StoreError::Corrupt`] for an unknown encoding, or a body that does not inflate (truncated,
/// altered, or asking for another dictionary).
pub(crate) fn decode(
    stored: Option<Vec<u8>>,
    encoding: Option<&str>,
) -> Result<Vec<u8>, StoreError> {
    let stored = stored.unwrap_or_default();
    match encoding {
        None => Ok(stored),
        Some(ZLIB) => inflate(&stored, None),
        Some(ZLIB_DICT_1) => inflate(&stored, Some(DICTIONARY_1)),
        Some(other) => Err(StoreError::Corrupt(format!(
            "idempotency answer encoding {other:?}"
        ))),
    }
}

fn inflate(stored: &[u8], dictionary: Option<&[u8]>) -> Result<Vec<u8>, StoreError> {
    let corrupt =
        |why: String| StoreError::Corrupt(format!("inflating an idempotency answer: {why}"));
    let mut inflater = Decompress::new(true);
    let mut out = Vec::with_capacity(stored.len() * 4);
    loop {
        let (read, written) = (inflater.total_in(), inflater.total_out());
        let input = stored.get(offset(read)..).unwrap_or_default();
        match inflater.decompress_vec(input, &mut out, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) => return Ok(out),
            Ok(Status::Ok | Status::BufError) if out.len() == out.capacity() => {
                out.reserve(out.capacity().max(1024));
            }
            // Room left, and no progress: the input ended before the stream did.
            Ok(Status::Ok | Status::BufError)
                if inflater.total_in() == read && inflater.total_out() == written =>
            {
                return Err(corrupt("the stream is cut short".to_string()));
            }
            Ok(Status::Ok | Status::BufError) => {}
            Err(e) => match (e.needs_dictionary(), dictionary) {
                (Some(_), Some(dictionary)) => {
                    inflater
                        .set_dictionary(dictionary)
                        .map_err(|e| corrupt(e.to_string()))?;
                }
                _ => return Err(corrupt(e.to_string())),
            },
        }
    }
}

/// A byte count of flate2's as an offset into a slice (past the end when it does not fit).
fn offset(total: u64) -> usize {
    usize::try_from(total).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session's view as the API answered a step submission in a sandbox journey (six steps
    /// of conversational-profile done): not one of the dictionary's samples.
    fn session_view() -> Vec<u8> {
        include_bytes!("testdata/session-view.json").to_vec()
    }

    #[test]
    fn answers_round_trip_byte_for_byte_in_every_encoding() {
        let pseudo_random: Vec<u8> = (0u32..5000)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for body in [
            session_view(),
            pseudo_random,
            vec![b'x'; 100_000],
            b"{}".to_vec(),
        ] {
            let (stored, encoding) = encode(body.clone()).expect("encoded");
            assert_eq!(decode(Some(stored), encoding).expect("decoded"), body);
        }
        // Records stored before the dictionary still read back.
        let mut old = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
        std::io::Write::write_all(&mut old, &session_view()).expect("deflated");
        let old = old.finish().expect("deflated");
        assert_eq!(
            decode(Some(old), Some("zlib")).expect("decoded"),
            session_view()
        );
    }

    #[test]
    fn a_reused_deflater_stores_what_a_new_one_does() {
        let body = session_view();
        let mut fresh = Compress::new(Compression::default(), true);
        fresh.set_dictionary(DICTIONARY_1).expect("dictionary");
        let mut expected = Vec::with_capacity(body.len() * 2);
        let status = fresh
            .compress_vec(&body, &mut expected, FlushCompress::Finish)
            .expect("deflated");
        assert_eq!(status, Status::StreamEnd);
        // Another answer first, so that the thread's deflater has state to forget.
        encode(vec![b'y'; 5000]).expect("encoded");
        for _ in 0..2 {
            let (stored, encoding) = encode(body.clone()).expect("encoded");
            assert_eq!(encoding, Some(ZLIB_DICT_1));
            assert_eq!(stored, expected);
        }
    }

    #[test]
    fn the_dictionary_stores_a_session_view_in_less_than_half_of_plain_deflate() {
        let view = session_view();
        let (with_dictionary, encoding) = encode(view.clone()).expect("encoded");
        assert_eq!(encoding, Some(ZLIB_DICT_1));
        let mut plain = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
        std::io::Write::write_all(&mut plain, &view).expect("deflated");
        let plain = plain.finish().expect("deflated");
        assert!(
            with_dictionary.len() * 2 < plain.len(),
            "{} bytes with the dictionary, {} without, for {}",
            with_dictionary.len(),
            plain.len(),
            view.len()
        );
    }

    #[test]
    fn a_damaged_answer_is_reported_not_returned() {
        let (stored, encoding) = encode(session_view()).expect("encoded");
        let cut = stored[..stored.len() / 2].to_vec();
        assert!(matches!(
            decode(Some(cut), encoding),
            Err(StoreError::Corrupt(_))
        ));
        // Stored with the dictionary, read as plain zlib: the stream asks for a dictionary.
        assert!(matches!(
            decode(Some(stored), Some("zlib")),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            decode(Some(vec![1, 2]), Some("br")),
            Err(StoreError::Corrupt(_))
        ));
    }
}
