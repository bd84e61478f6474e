//! The decompression floor of a conversion: every `.gz` file under a folder inflated with
//! the same gzip decoder `flowlake convert` uses (flate2 on zlib-rs), on THREADS threads,
//! the output thrown away. A conversion cannot be faster than this.
//!
//! Usage: `cargo run --release -p flowlake-convert --example inflate -- DIR THREADS`
//! (bench/convert.sh runs it beside the conversions it compares).

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(threads)) = (args.next(), args.next()) else {
        eprintln!("usage: inflate DIR THREADS");
        std::process::exit(2);
    };
    let threads: usize = threads.parse().map_err(io::Error::other)?;
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "gz"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    let t = Instant::now();
    let next = AtomicUsize::new(0);
    let out = AtomicU64::new(0);
    let failed: Mutex<Option<io::Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let mut buf = vec![0u8; 256 * 1024];
                while let Some(path) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = std::fs::File::open(path).and_then(|f| {
                        let mut gz = flate2::read::MultiGzDecoder::new(io::BufReader::new(f));
                        let mut n = 0u64;
                        loop {
                            match gz.read(&mut buf)? {
                                0 => return Ok(n),
                                k => n += k as u64,
                            }
                        }
                    });
                    match result {
                        Ok(n) => {
                            out.fetch_add(n, Ordering::Relaxed);
                        }
                        Err(e) => {
                            failed.lock().expect("lock").get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().expect("lock") {
        return Err(e);
    }
    println!(
        "{:.3} s, {} files, {:.1} MB of text, {} threads",
        t.elapsed().as_secs_f64(),
        files.len(),
        out.load(Ordering::Relaxed) as f64 / 1e6,
        threads.max(1)
    );
    Ok(())
}
