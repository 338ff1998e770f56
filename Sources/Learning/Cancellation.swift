// SPDX-License-Identifier: GPL-3.0-or-later
import Synchronization

/// A flag that long work polls and anyone (a signal handler's relay, another
/// thread) may raise. Lock-free.
public final class CancellationFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    /// Asks the work to stop at its next poll.
    public func cancel() { raised.store(true, ordering: .relaxed) }

    /// Lowers the flag for the next piece of work.
    public func reset() { raised.store(false, ordering: .relaxed) }

    @inline(__always)
    public var isCancelled: Bool { raised.load(ordering: .relaxed) }
}
