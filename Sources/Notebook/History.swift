// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The lines typed in this folder: what `history` lists and what the REPL
/// hands to readline (Up, Ctrl-R), so the two are always the same list.
///
/// With a file (the REPL's `.dyson_history` in the folder dyson starts in, or
/// `DYSON_HISTORY`), the lines of earlier sessions are read at the start and
/// every new line is appended as it is typed; the file keeps at most
/// `capacity` lines (older ones are dropped when a session starts), so it never
/// grows without bound. Within a session nothing is dropped, so a line keeps
/// its number. Without a file (batch runs, replays, tests) only this
/// session's lines are kept.
public final class SessionHistory {
    /// Lines kept in the file and in memory.
    public static let capacity = 2000
    /// The file's name in the folder dyson starts in.
    public static let fileName = ".dyson_history"

    public let path: String?
    /// Lines from earlier sessions (oldest first).
    public private(set) var earlier: [String]
    /// Lines typed in this session (oldest first).
    public private(set) var session: [String] = []
    /// Why the file could not be used, if it could not (said once at the start).
    public private(set) var problem: String?

    /// No file: this session's lines only.
    public init() {
        path = nil
        earlier = []
    }

    /// Reads `path` (a missing file is an empty history) and cuts it to `capacity` lines.
    public init(path: String) {
        self.path = path
        earlier = []
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        earlier = Array(lines.suffix(Self.capacity))
        if lines.count > Self.capacity {
            let kept = Data((earlier.joined(separator: "\n") + "\n").utf8)
            do { try kept.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                problem = "cannot shorten the history file \(path): \(error.localizedDescription)"
            }
        }
    }

    /// Every line, oldest first: the list readline walks and `history all=yes` shows.
    public var all: [String] { earlier + session }

    /// Records a typed line (blank lines are not kept), and appends it to the file.
    public func append(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        session.append(line)
        guard let path, problem == nil else { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            problem = "cannot write the history file \(path): \(String(cString: strerror(errno)))"
            return
        }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        if write(fd, bytes, bytes.count) != bytes.count {
            problem = "cannot write the history file \(path): \(String(cString: strerror(errno)))"
        }
    }
}
