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
default:
    fail("unknown command \(arguments[1])")
}
