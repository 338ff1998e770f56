// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// What a finished command printed and returned.
public struct CommandResult: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String = "") {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// The last line of stderr (or stdout), for an error message: Slurm's
    /// tools end with the summary ("Batch job submission failed: …", "fatal: …").
    public var message: String {
        let text = stderr.isEmpty ? stdout : stderr
        return text.split(whereSeparator: \.isNewline).map(String.init).last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "exit status \(status)"
    }
}

/// Runs Slurm's command-line tools; tests give a runner that answers from
/// captured output.
public protocol CommandRunner: Sendable {
    /// Runs `tool` (looked up on PATH) with `arguments`. nil when it cannot be
    /// started at all (not installed).
    func run(_ tool: String, _ arguments: [String]) -> CommandResult?
}

/// Runs the real tools as child processes, each for at most `timeout`
/// seconds (a controller that does not answer must not hang the notebook;
/// the tool is then killed and its status is 124, as timeout(1) reports it).
public struct ProcessRunner: CommandRunner {
    public var timeout: Double
    /// Extra environment (e.g. SLURM_CONF), on top of this process's.
    public var environment: [String: String]

    public init(timeout: Double = 60, environment: [String: String] = [:]) {
        self.timeout = timeout
        self.environment = environment
    }

    /// The full path of `tool` on PATH, nil if it is not there.
    public static func find(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public func run(_ tool: String, _ arguments: [String]) -> CommandResult? {
        guard let path = Self.find(tool) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        // Read both pipes while the tool runs (a full pipe would block it).
        let collected = Collected()
        let group = DispatchGroup()
        for (handle, isOut) in [(out.fileHandleForReading, true), (err.fileHandleForReading, false)] {
            group.enter()
            DispatchQueue.global().async {
                let data = handle.readDataToEndOfFile()
                collected.set(data, stdout: isOut)
                group.leave()
            }
        }
        var timedOut = false
        if group.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            p.terminate()
            group.wait()
        }
        p.waitUntilExit()
        let (o, e) = collected.values
        return CommandResult(status: timedOut ? 124 : p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                             stderr: timedOut ? "\(tool) did not answer within \(Int(timeout)) s" : String(decoding: e, as: UTF8.self))
    }
}

/// Output gathered from two reader threads.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data(), err = Data()

    func set(_ data: Data, stdout: Bool) {
        lock.lock()
        if stdout { out = data } else { err = data }
        lock.unlock()
    }

    var values: (Data, Data) {
        lock.lock()
        defer { lock.unlock() }
        return (out, err)
    }
}
