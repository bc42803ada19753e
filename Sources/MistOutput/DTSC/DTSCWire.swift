import Logging
import MistCore
import MistData
import MistNet
import MistShm
import MistStream

/// DTSC's wire pieces the DTSC output writes: command frames and packets renumbered for a peer.
enum DTSCWire {
    /// A DTCM command frame around `members`.
    static func command(_ members: JSONObject) -> [UInt8] {
        (try? DTSCFrameWriter.frame(.command, object: members)) ?? []
    }

    /// Appends a packet from a mapped page as DTSC wire bytes. Peers number tracks from 1: the id
    /// is rewritten in the 20-byte header and the body follows as it is.
    static func append(_ packet: DTSCPacket, to out: inout [UInt8]) {
        let bytes = packet.bytes
        let start = out.count
        out.append(contentsOf: bytes)
        let id = UInt32(truncatingIfNeeded: packet.trackID + 1).bigEndian
        withUnsafeBytes(of: id) { for index in 0..<4 { out[start + 8 + index] = $0[index] } }
    }
}
