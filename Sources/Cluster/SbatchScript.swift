// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// What a cluster needs to know about a job's tasks: where to run them, how
/// long each may take, on how many CPUs, how many at once, and anything else
/// the site wants (`sbatch=` flags). All but `cpus` may be left to the site's
/// defaults.
public struct SlurmOptions: Sendable, Equatable, Codable {
    public var partition: String?
    public var account: String?
    /// Wall time per task in Slurm's notation: "MM", "MM:SS", "HH:MM:SS",
    /// "D-HH", "D-HH:MM", "D-HH:MM:SS".
    public var time: String?
    /// CPUs per task; the task trains on that many threads.
    public var cpus: Int
    /// At most this many tasks at once (the array's `%N` throttle).
    public var parallel: Int?
    /// Further sbatch options, one per `#SBATCH` line (e.g. "--mem=4G", "--qos=long").
    public var extra: [String]

    public init(partition: String? = nil, account: String? = nil, time: String? = nil, cpus: Int = 1,
                parallel: Int? = nil, extra: [String] = []) {
        self.partition = partition
        self.account = account
        self.time = time
        self.cpus = cpus
        self.parallel = parallel
        self.extra = extra
    }

    /// Splits an `sbatch=` value ("--mem=4G --qos=long") into options.
    public static func splitExtra(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// Refuses values that Slurm would reject later or that could break the
    /// script (a newline in an option would start a shell line).
    public func validate() throws(ClusterError) {
        for (name, value) in [("partition", partition), ("account", account)] {
            if let value, value.isEmpty || !value.allSatisfy({ $0.isLetter || $0.isNumber || "_.-,".contains($0) }) || !value.allSatisfy(\.isASCII) {
                throw ClusterError("\(name)=\(Self.shown(value)) is not a Slurm \(name) name", suggestion: "use letters, digits, '_', '.', '-' (sinfo lists partitions)")
            }
        }
        if let time, Self.minutes(time) == nil {
            throw ClusterError("time=\(Self.shown(time)) is not a Slurm time limit",
                               suggestion: "write minutes (90), HH:MM:SS (01:30:00) or D-HH:MM (1-12:00)")
        }
        guard (1...4096).contains(cpus) else { throw ClusterError("cpus must be 1 to 4096, got \(cpus)") }
        if let parallel, parallel < 1 { throw ClusterError("parallel must be at least 1, got \(parallel)") }
        for option in extra {
            guard option.hasPrefix("-"), option.count > 1,
                  !option.contains(where: { $0.isNewline || $0 == "\0" || $0 == "#" }), option.allSatisfy(\.isASCII) else {
                throw ClusterError("sbatch option \(Self.shown(option)) is not an option",
                                   suggestion: "give options as sbatch takes them, e.g. sbatch=\"--mem=4G --qos=long\"")
            }
            for owned in ["--array", "-a", "--output", "-o", "--chdir", "-D", "--job-name", "-J", "--cpus-per-task", "-c", "--wrap"]
            where option == owned || option.hasPrefix(owned + "=") || (owned.count == 2 && option.hasPrefix(owned) && !option.hasPrefix("--")) {
                throw ClusterError("sbatch option \(option) is set by dyson itself",
                                   suggestion: owned == "--cpus-per-task" || owned == "-c" ? "use cpus=" : "leave it out")
            }
        }
    }

    /// A time limit in minutes (rounded up), nil if it is not Slurm's notation.
    public static func minutes(_ text: String) -> Int? {
        var days = 0
        var rest = Substring(text)
        if let dash = rest.firstIndex(of: "-") {
            guard let d = Int(rest[..<dash]), d >= 0 else { return nil }
            days = d
            rest = rest[rest.index(after: dash)...]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        let v = parts.compactMap { Int($0) }
        guard !v.isEmpty, v.count == parts.count, v.count <= 3, v.allSatisfy({ (0...1_000_000).contains($0) }), days <= 10_000 else { return nil }
        let hasDays = text.contains("-")
        let seconds: Int
        switch (hasDays, v.count) {
        case (false, 1): seconds = v[0] * 60                                 // MM
        case (false, 2): seconds = v[0] * 60 + v[1]                          // MM:SS
        case (false, 3): seconds = v[0] * 3600 + v[1] * 60 + v[2]            // HH:MM:SS
        case (true, 1): seconds = v[0] * 3600                                // D-HH
        case (true, 2): seconds = v[0] * 3600 + v[1] * 60                    // D-HH:MM
        default: seconds = v[0] * 3600 + v[1] * 60 + v[2]                    // D-HH:MM:SS
        }
        let total = days * 86_400 + seconds
        guard total > 0 else { return nil }
        return (total + 59) / 60
    }

    static func shown(_ s: String) -> String {
        "'" + String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) }) + "'"
    }
}

/// The `sbatch` script of a job: one array task per shard, each running
/// `dyson shard JOBDIR --task K` in the job folder with K the array index
/// plus `DYSON_TASK_OFFSET` (set by `Slurm.submit` for arrays beyond the
/// cluster's MaxArraySize, else 0), its output in logs/%A_%a.out (array job,
/// array index).
public enum SbatchScript {
    /// The job name Slurm shows: "dyson-" and the first 12 hex digits of the
    /// content hash, so a job found in `squeue` can be matched to its folder.
    public static func jobName(_ job: JobFolder) -> String { "dyson-" + job.contentHash.prefix(12) }

    public static func render(job: JobFolder, options: SlurmOptions, dyson: String) throws(ClusterError) -> String {
        try options.validate()
        // #SBATCH lines are split at whitespace by sbatch; a path it would split is refused.
        guard !job.path.contains(where: { $0.isWhitespace || "'\"\\%$`".contains($0) }) else {
            throw ClusterError("the job folder \(SlurmOptions.shown(job.path)) has spaces, quotes or % in its path, which #SBATCH lines cannot hold",
                               suggestion: "put the job folder under a path without them")
        }
        let last = min(job.taskCount, Slurm.defaultMaxArraySize) - 1
        var lines = [
            "#!/bin/sh",
            "# dyson \(job.manifest.dysonVersion) cluster job \(job.contentHash)",
            "# " + describe(job.manifest).filter { !$0.isNewline },
            "# Task K trains the runs manifest.json gives it and writes shards/task-K.shard.",
            "#SBATCH --job-name=\(jobName(job))",
            "#SBATCH --array=0-\(last)" + (options.parallel.map { "%\($0)" } ?? ""),
            "#SBATCH --chdir=\(job.path)",
            "#SBATCH --output=logs/%A_%a.out",
            "#SBATCH --cpus-per-task=\(options.cpus)",
        ]
        if let time = options.time { lines.append("#SBATCH --time=\(time)") }
        if let partition = options.partition { lines.append("#SBATCH --partition=\(partition)") }
        if let account = options.account { lines.append("#SBATCH --account=\(account)") }
        for option in options.extra { lines.append("#SBATCH \(option)") }
        // Arrays beyond MaxArraySize are submitted with DYSON_TASK_OFFSET (Slurm.submit).
        lines.append("exec \(shellQuoted(dyson)) shard \(shellQuoted(job.path)) --task \"$((SLURM_ARRAY_TASK_ID + ${DYSON_TASK_OFFSET:-0}))\"")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line about what a job trains, for the script's header.
    static func describe(_ m: JobManifest) -> String {
        if let command = m.command { return "\(command) (\(m.parts.count) settings)" }
        guard let p = m.parts.first else { return "no training" }
        return "\(p.modelSummary): runs=\(p.config.runs) steps=\(p.config.steps) seed=\(p.config.seed)"
    }

    /// Writes the script into the job folder (executable).
    public static func write(job: JobFolder, options: SlurmOptions, dyson: String) throws(ClusterError) {
        let text = try render(job: job, options: options, dyson: dyson)
        try AtomicFile.write(Array(text.utf8), to: job.scriptPath)
        chmod(job.scriptPath, 0o755)
    }

    /// 'text' for sh, with embedded single quotes closed and escaped.
    public static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
