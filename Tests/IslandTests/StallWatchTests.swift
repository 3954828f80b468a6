import Island
import Testing

/// A stalled search (generations that evaluate nothing) is said once, slowed, and ended by a run
/// of generations that evaluate a child.
struct StallWatchTests {
    @Test func aRunOfGenerationsThatEvaluateNothingStallsOnceAndAnEvaluationEndsIt() {
        var watch = StallWatch(limit: 3, pause: 0.5, resume: 1)
        #expect(watch.record(evaluated: 2) == .none)
        #expect(watch.record(evaluated: 0) == .none)
        #expect(watch.record(evaluated: 0) == .none && watch.delay == 0)
        #expect(watch.record(evaluated: 0) == .began(generations: 3))
        #expect(watch.isStalled && watch.delay == 0.5)
        // Said once: more idle generations change nothing, and keep the pause.
        for _ in 0..<10 { #expect(watch.record(evaluated: 0) == .none) }
        #expect(watch.delay == 0.5 && watch.idleGenerations == 13)
        #expect(watch.record(evaluated: 1) == .ended(generations: 13))
        #expect(!watch.isStalled && watch.delay == 0 && watch.idleGenerations == 0)
        // An evaluation before the limit resets the count without a change.
        _ = watch.record(evaluated: 0)
        #expect(watch.record(evaluated: 1) == .none && watch.idleGenerations == 0)
    }

    @Test func aNearlyStuckIslandStaysStalledUntilARunOfGenerationsMoves() {
        var watch = StallWatch(limit: 2, pause: 1, resume: 3)
        _ = watch.record(evaluated: 0)
        #expect(watch.record(evaluated: 0) == .began(generations: 2))
        // A child now and then between idle generations: still stalled, nothing said, still paused.
        for _ in 0..<5 {
            #expect(watch.record(evaluated: 1) == .none)
            #expect(watch.record(evaluated: 2) == .none)
            #expect(watch.record(evaluated: 0) == .none)
            #expect(watch.isStalled && watch.delay == 1)
        }
        #expect(watch.idleGenerations == 7)
        // Three generations in a row that evaluate a child end it, counting the idle ones.
        #expect(watch.record(evaluated: 1) == .none)
        #expect(watch.record(evaluated: 1) == .none)
        #expect(watch.record(evaluated: 1) == .ended(generations: 7))
        #expect(!watch.isStalled && watch.delay == 0 && watch.idleGenerations == 0 && watch.movingGenerations == 0)
        // Stalling again takes the full limit.
        #expect(watch.record(evaluated: 0) == .none)
        #expect(watch.record(evaluated: 0) == .began(generations: 2))
    }

    @Test func theMessageSaysWhatStalledAndWhatTheIslandDoes() {
        let message = StallWatch(limit: 50, pause: 1).message
        #expect(message.contains("50 generations in a row evaluated nothing") && message.contains("one generation every 1.0 s"))
        #expect(message.contains("until 3 generations in a row evaluate a child"))
    }
}
