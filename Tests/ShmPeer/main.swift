import Foundation
import MistData
import MistShm
import ShmTestSupport

#if canImport(Glibc)
    import Glibc
#endif

// A test peer for the shared-memory data plane, run as separate processes by the tests:
//   ShmPeer write <stream> <seconds> <pace-us> [hold]   writes TestStream's packets live
//   ShmPeer read <stream> <output-file> [count]          reads every track until the input is gone
//                                                        (or `count` packets were read)
// and writes each packet's DTSC frame to the file, in the order read.
//   ShmPeer session <id> <stream> <connector> <token> <seconds> <MistSession path>
//       one connection of a session the way MistServer's outputs keep one: starts MistSession,
//       claims a slot in its connection table and counts 1000 bytes a second up; exits 2 when
//       the session refuses it.

func fail(_ message: String) -> Never {
    var text = "ShmPeer: " + message + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else { fail("usage: ShmPeer write|read <stream> ...") }
let stream = arguments[2]

switch arguments[1] {
case "write":
    guard arguments.count >= 5, let seconds = UInt64(arguments[3]), let pace = UInt32(arguments[4]) else {
        fail("usage: ShmPeer write <stream> <seconds> <pace-us> [hold]")
    }
    do {
        let writer = try StreamWriter(stream: stream, live: true)
        for info in TestStream.tracks { _ = try writer.addTrack(info) }
        writer.status = .ready
        for packet in TestStream.packets(seconds: seconds) {
            try packet.payload.withUnsafeBytes {
                try writer.append(
                    track: packet.track, time: packet.time, offset: packet.offset, keyframe: packet.keyframe, data: $0)
            }
            if pace > 0 { usleep(pace) }
        }
        var done = "written\n"
        done.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
        if arguments.count > 5 && arguments[5] == "hold" {
            while true { pause() }
        }
        writer.close()
    } catch {
        fail("\(error)")
    }
case "read":
    guard let file = fopen(arguments[3], "wb") else { fail("cannot open \(arguments[3])") }
    do {
        let reader = try StreamReader(stream: stream, waitMilliseconds: 10_000)
        var waited = 0
        while reader.tracks().count < TestStream.tracks.count {
            guard waited < 10_000 else { fail("tracks did not appear") }
            usleep(10_000)
            waited += 10
        }
        try reader.select(reader.tracks().map(\.index))
        let limit = arguments.count > 4 ? Int(arguments[4]) ?? Int.max : Int.max
        var count = 0
        readLoop: while count < limit {
            switch try reader.next(timeoutMilliseconds: 1000) {
            case .packet(let packet):
                fwrite(packet.bytes.baseAddress, 1, packet.bytes.count, file)
                count += 1
            case .timeout:
                continue
            case .end:
                break readLoop
            }
        }
        fclose(file)
    } catch {
        fail("\(error)")
    }
case "session":
    guard arguments.count >= 8, let seconds = Double(arguments[6]) else {
        fail("usage: ShmPeer session <id> <stream> <connector> <token> <seconds> <MistSession>")
    }
    let id = arguments[2]
    let spawnArguments = [
        arguments[7], id, "--streamname", arguments[3], "--ip", "127.0.0.1", "--tkn", arguments[5], "--protocol",
        arguments[4],
    ]
    // Through Process, which passes the session no descriptor of this peer's (the test watches
    // this peer's end through one).
    let sessionProcess = Process()
    sessionProcess.executableURL = URL(fileURLWithPath: spawnArguments[0])
    sessionProcess.arguments = Array(spawnArguments.dropFirst())
    sessionProcess.standardOutput = FileHandle.nullDevice
    do { try sessionProcess.run() } catch { fail("cannot start MistSession: \(error)") }
    var joined: (SharedMemoryPage, SessionTable, Int)?
    for _ in 0..<500 where joined == nil {
        usleep(10_000)
        guard let lock = try? NamedSemaphore(SessionTable.sessionSemaphore(id)), lock.wait(milliseconds: 100) else {
            continue
        }
        defer { lock.post() }
        guard let page = try? SharedMemoryPage(opening: SessionTable.sessionName(id)),
            let table = try? SessionTable(reading: page.base, capacity: page.size), let slot = table.claim()
        else { continue }
        page.isOwner = false
        joined = (page, table, slot)
    }
    guard let (page, table, slot) = joined else { fail("no session table for \(id)") }
    let start = Date.now
    while Date.now.timeIntervalSince(start) < seconds {
        if table.table.isExit {
            _ = write(1, "refused\n", 8)
            _exit(2)
        }
        var record = SessionRecord()
        record.pid = UInt64(getpid())
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        record.now = UInt64(clock.tv_sec)
        record.time = UInt64(Date.now.timeIntervalSince(start))
        record.up = UInt64(Date.now.timeIntervalSince(start) * 1000)
        record.host = SessionRecord.hostBytes("127.0.0.1")
        record.stream = arguments[3]
        record.connector = arguments[4]
        table.write(slot, record)
        usleep(200_000)
    }
    table.setStatus(slot, table.status(slot) | SessionRecord.disconnected)
    page.close()
default:
    fail("unknown command \(arguments[1])")
}
