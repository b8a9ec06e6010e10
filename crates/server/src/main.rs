//! The `playhouse` binary: all logic lives in the `server` library so tests can drive it.

/// mimalloc instead of the system allocator: the server allocates and frees small buffers on every
/// request across its threads, where glibc's allocator spent ~7 % of the server's CPU under the
/// instant-games load (`docs/benchmarks.md`, session 7).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::main()
}
