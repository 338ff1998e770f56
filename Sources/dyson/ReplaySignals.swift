// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

extension Signals {
    /// `dyson replay`: the first Ctrl-C stops the running command and the
    /// replay after it, so that the replay's scratch folder is removed and
    /// nothing is written (status 130); a second Ctrl-C ends at once.
    static func installForReplay() {
        unblockInterrupt()
        signal(SIGINT) { _ in
            if Signals.cancel.isCancelled { _exit(130) }
            Signals.cancel.cancel()
        }
    }
}
