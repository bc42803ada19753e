import Testing

@testable import MistRTP

@Suite struct RTPReorderBufferTests {
    @Test func inOrderPacketsPassAtOnce() {
        var buffer = RTPReorderBuffer<Int>()
        for sequence in UInt16(65530)...UInt16(65535) {
            #expect(buffer.push(sequence: sequence, Int(sequence)).ready == [Int(sequence)])
        }
        // Across the wrap.
        #expect(buffer.push(sequence: 0, 0).ready == [0])
        #expect(buffer.push(sequence: 1, 1).ready == [1])
        // A duplicate of a released packet is dropped.
        #expect(buffer.push(sequence: 1, 1).ready.isEmpty)
    }

    /// A late packet fills its gap; a missing one is NACKed after 5 newer ones, again after 5
    /// more, and given up on after 30, releasing what waited behind it.
    @Test func gapsAreNackedThenSkipped() {
        var buffer = RTPReorderBuffer<Int>(nackAfter: 5, dropAfter: 30)
        #expect(buffer.push(sequence: 10, 10).ready == [10])
        #expect(buffer.push(sequence: 12, 12).ready.isEmpty)
        #expect(buffer.push(sequence: 11, 11).ready == [11, 12])
        var nacks: [[UInt16]] = []
        var released: [Int] = []
        var skipped = false
        for sequence in UInt16(14)...UInt16(44) {
            let result = buffer.push(sequence: sequence, Int(sequence))
            if !result.missing.isEmpty { nacks.append(result.missing) }
            released += result.ready
            skipped = skipped || result.skipped
        }
        // 13 is missing: NACKed when 18 arrives (5 ahead), then at 23, 28, 33, 38.
        #expect(nacks == [[13], [13], [13], [13], [13]])
        #expect(skipped)
        #expect(buffer.lost == 1)
        #expect(released == Array(14...44))
        #expect(buffer.next == 45)
        // A packet that comes after it was given up on is dropped.
        #expect(buffer.push(sequence: 13, 13).ready.isEmpty)
    }

    /// A sequence number far ahead (a sender that jumps, or lies) starts over there at once
    /// instead of waiting or walking the gap.
    @Test func aJumpFarAheadStartsOver() {
        var buffer = RTPReorderBuffer<Int>(capacity: 1024)
        #expect(buffer.push(sequence: 100, 100).ready == [100])
        #expect(buffer.push(sequence: 102, 102).ready.isEmpty)
        let jumped = buffer.push(sequence: 30000, 30000)
        #expect(jumped.ready == [102, 30000] && jumped.skipped && jumped.missing.isEmpty)
        #expect(buffer.next == 30001)
        #expect(buffer.push(sequence: 30001, 30001).ready == [30001])
    }
}
