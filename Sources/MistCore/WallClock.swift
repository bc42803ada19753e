#if canImport(Glibc)
    import Glibc
#endif

/// Milliseconds since the Unix epoch on the wall clock (for times players and peers compare with
/// their own clocks: DASH availability, RTCP sender reports, MP4 over WebSocket's `unixoffset`).
public func unixMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
