//! Writes the raw provably fair byte stream to stdout for `dieharder -g 200`, `ent` and `nistrng`.
//!
//! Stands in for `playhouse fair stream` until the lead wires it; an example may do I/O, the library
//! may not. Usage: `stream SERVER_SEED CLIENT_SEED NONCE BYTES` (BYTES = 0 streams until the reader
//! closes the pipe).

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, client, nonce, bytes] = args.as_slice() else {
        eprintln!("usage: stream SERVER_SEED CLIENT_SEED NONCE BYTES");
        std::process::exit(2);
    };
    let (Ok(nonce), Ok(bytes)) = (nonce.parse::<u64>(), bytes.parse::<u64>()) else {
        eprintln!("NONCE and BYTES must be non-negative integers");
        std::process::exit(2);
    };
    let mut stream = fair::ByteStream::new(server, client, nonce);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut buf = vec![0u8; 1 << 16];
    let mut left = if bytes == 0 { u64::MAX } else { bytes };
    while left > 0 {
        let take = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        stream.fill(&mut buf[..take]);
        if out.write_all(&buf[..take]).is_err() {
            // The reader closed the pipe (dieharder does when it has enough): a normal end.
            return;
        }
        left -= take as u64;
    }
    let _ = out.flush();
}
