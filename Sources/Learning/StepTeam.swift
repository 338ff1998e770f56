// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Synchronization

/// Work split into a fixed number of parts that one run's step can spread
/// over cores the ensemble leaves idle (one run of a large model).
protocol PartedStep: AnyObject {
    /// Does part `part` of phase `phase`. Parts of one phase touch disjoint memory.
    func runPart(_ phase: Int, _ part: Int)
}

/// A caller and `helpers` threads that run the parts of a phase together:
/// part p goes to thread p mod (helpers + 1), the caller being thread 0, and
/// `perform` returns when every part is done. Which thread runs a part changes
/// nothing in what it computes, so results do not depend on the team's size.
///
/// A phase lasts tens of microseconds, too short to wake sleeping threads for,
/// so helpers spin while a run is being trained, yield the core after a few
/// microseconds without work (on a machine shared with other work a spinning
/// helper would slow the run) and sleep after a longer idle spell. The team
/// stops its threads when it is released.
final class StepTeam {
    private let core: TeamCore

    init(helpers: Int) {
        core = TeamCore(helpers: helpers)
        core.start()
    }

    deinit { core.stop() }

    var helpers: Int { core.helpers }

    /// Runs parts 0 ..< parts of `phase` of `step` on the team.
    func perform(_ phase: Int, parts: Int, on step: PartedStep) { core.perform(phase, parts: parts, on: step) }
}

/// What the team's threads share; they hold it (not the team), so releasing
/// the team stops them.
private final class TeamCore: @unchecked Sendable {
    let helpers: Int
    private let posted = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let running = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var phase = 0, parts = 0
    private unowned(unsafe) var target: PartedStep?
    /// Over a window of phases, nanoseconds the caller spent on its own parts
    /// and waiting for the helpers; phases left to run alone.
    private var working: UInt64 = 0, waiting: UInt64 = 0, window = 0, solo = 0

    init(helpers: Int) { self.helpers = helpers }

    func start() {
        for h in 1...max(1, helpers) where helpers > 0 {
            running.add(1, ordering: .relaxed)
            let thread = Thread { [self] in helperLoop(h) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Stops the helpers and waits until they have (none touches a step after).
    func stop() {
        stopping.store(true, ordering: .releasing)
        while running.load(ordering: .acquiring) > 0 { sched_yield() }
    }

    /// Runs parts 0 ..< parts of `phase` of `step` on the team.
    ///
    /// When the helpers keep the caller waiting longer than its own share
    /// takes (the machine is busy with other work, so they are not running),
    /// the caller does the next 4096 phases alone and then tries again.
    func perform(_ phase: Int, parts: Int, on step: PartedStep) {
        guard helpers > 0, solo == 0 else {
            solo = max(0, solo - 1)
            for p in 0..<parts { step.runPart(phase, p) }
            return
        }
        self.phase = phase
        self.parts = parts
        target = step
        finished.store(0, ordering: .relaxed)
        let start = DispatchTime.now().uptimeNanoseconds
        posted.add(1, ordering: .releasing)
        for p in stride(from: 0, to: parts, by: helpers + 1) { step.runPart(phase, p) }
        let own = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while finished.load(ordering: .acquiring) < helpers {
            spins += 1
            if spins > 2000 { sched_yield() }
        }
        working &+= own &- start
        waiting &+= DispatchTime.now().uptimeNanoseconds &- own
        window += 1
        if window == 256 {
            if waiting > working { solo = 4096 }
            working = 0; waiting = 0; window = 0
        }
    }

    private func helperLoop(_ index: Int) {
        var seen = 0, idle = 0
        while true {
            let now = posted.load(ordering: .acquiring)
            if now != seen {
                seen = now
                idle = 0
                if let step = target {
                    for p in stride(from: index, to: parts, by: helpers + 1) { step.runPart(phase, p) }
                }
                finished.add(1, ordering: .releasing)
                continue
            }
            if stopping.load(ordering: .acquiring) { break }
            idle += 1
            // On a busy machine a spinning helper takes a core from the work: yield soon, sleep when idle long.
            if idle > 200_000 { usleep(50) } else if idle > 2000 { sched_yield() }
        }
        running.subtract(1, ordering: .releasing)
    }

}
