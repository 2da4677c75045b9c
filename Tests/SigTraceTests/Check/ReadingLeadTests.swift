import Testing

@testable import SigTrace

/// The lead before a moment that a reading of the tree must end ahead of (the signal after a pre-stop, SIGKILL).
@Suite struct ReadingLeadTests {
    @Test func theLeadIsTwiceTheLongestReadingWithinItsBounds() {
        let millisecond: UInt64 = 1_000_000
        var lead = ReadingLead()
        #expect(lead.lead(atLeast: 10 * millisecond, atMost: 250 * millisecond) == 10 * millisecond)
        // A reading that began 30 ms ago: the lead becomes about 60 ms.
        lead.ended(startedAt: Clocks.monotonicNanoseconds() - 30 * millisecond)
        let after30 = lead.lead(atLeast: 10 * millisecond, atMost: 250 * millisecond)
        #expect(after30 >= 60 * millisecond && after30 < 90 * millisecond, "\(after30)")
        // A quicker reading later does not shorten it: the longest counts.
        lead.ended(startedAt: Clocks.monotonicNanoseconds())
        #expect(lead.lead(atLeast: 10 * millisecond, atMost: 250 * millisecond) >= after30)
        // A 100 ms pre-stop caps the count's lead at half of it, below its usual 100 ms floor.
        #expect(lead.lead(atLeast: 100 * millisecond, atMost: 50 * millisecond) == 50 * millisecond)
        // A reading of 200 ms: the grace-end lead stops at 250 ms.
        lead.ended(startedAt: Clocks.monotonicNanoseconds() - 200 * millisecond)
        #expect(lead.lead(atLeast: 10 * millisecond, atMost: 250 * millisecond) == 250 * millisecond)
    }
}
