// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import RMT

/// A checkpoint series: the weight files of one training, one layer set per
/// step, in the order of training.
public struct WeightSeries: Sendable {
    /// The folder or glob as typed.
    public let source: String
    /// The training step of each checkpoint (its file name's last number), or
    /// its position when the names carry no distinct numbers.
    public let steps: [Int]
    /// Whether `steps` come from the file names (else positions, by name).
    public let byStep: Bool
    /// The layers of each checkpoint, in the order of `steps`.
    public let sets: [LoadedWeights]
    /// The name each checkpoint is kept under in the workspace (`SERIES@STEP`).
    public let setNames: [String]
}

/// `load weights FILE|DIR/|GLOB [name=GLOB] [as=NAME]`: one weight file, as
/// `weights FILE` reads it, or a checkpoint series.
///
/// A series is a folder (without `model.safetensors.index.json`, which makes
/// it one sharded checkpoint) or a glob in the last part of the path
/// (`ckpt/epoch-*.npz`). Its members are the `.npy`, `.npz` and
/// `.safetensors` files in it, and sub-folders holding a
/// `model.safetensors.index.json` or a `model.safetensors` (Hugging Face's
/// `checkpoint-500/`). They are ordered by the step in their names: the last
/// run of digits in the name without its extension (`epoch-010.npz` → 10,
/// `checkpoint-500` → 500); when some name has none, or two share one, by
/// name, with positions 0, 1, … as steps. Each checkpoint is kept as
/// `SERIES@STEP` (so `layer fc1 of=mlp@10` looks at one), the series as
/// `SERIES` for `flow of=SERIES`.
enum LoadWeights {
    /// `load`'s parameters after `weights`.
    static let parameters = WeightsCommand.spec.parameters

    static func run(_ args: Arguments, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("path"), !name.isEmpty else {
            throw NotebookError("load weights needs a file, a folder or a glob",
                                suggestion: "load weights model.safetensors, load weights checkpoints/, or load weights \"ckpt/epoch-*.npz\"")
        }
        let glob = args.word("name"), setName = args.word("as")
        var out: CommandOutput
        if let members = try seriesMembers(name, context: context) {
            out = try readSeries(name, members: members, glob: glob, as: setName, context: context)
        } else {
            // A folder with model.safetensors.index.json is one sharded checkpoint.
            var file = name
            while file.count > 1 && file.hasSuffix("/") { file.removeLast() }
            out = try WeightsCommand.read(file, glob: glob, as: setName, context: context)
        }
        out.journaled = true
        out.recordedPositional = ["weights"] + (out.recordedPositional ?? [name])
        return out
    }

    /// Whether the path has glob characters in its last part.
    static func isGlob(_ name: String) -> Bool { name.contains { "*?[".contains($0) } }

    /// The members of the series `name` names (sorted by name, as typed
    /// relative to where `name` starts), or nil when it names one checkpoint.
    static func seriesMembers(_ name: String, context: CommandContext) throws(NotebookError) -> [String]? {
        let folderName: String, pattern: String?
        if isGlob(name) {
            let parent = (name as NSString).deletingLastPathComponent
            guard !isGlob(parent) else {
                throw NotebookError("load weights: only the last part of a path may hold *, ? or [ ] (\(name))",
                                    suggestion: "name the folder: load weights \"ckpt/epoch-*.npz\"")
            }
            folderName = parent.isEmpty ? "." : parent
            pattern = (name as NSString).lastPathComponent
        } else {
            guard let folder = try resolveFolder(name, context: context),
                  !FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("model.safetensors.index.json")) else { return nil }
            folderName = name
            pattern = nil
        }
        guard let folder = try resolveFolder(folderName, context: context) else {
            throw NotebookError("load weights: \(folderName) is not a folder", suggestion: "check the path (relative names start at the note's folder)")
        }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        let members = entries.filter { entry in
            if let pattern, fnmatch(pattern, entry, 0) != 0 { return false }
            let full = (folder as NSString).appendingPathComponent(entry)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else { return false }
            if isDirectory.boolValue {
                return ["model.safetensors.index.json", "model.safetensors"].contains {
                    FileManager.default.fileExists(atPath: (full as NSString).appendingPathComponent($0))
                }
            }
            return ["npy", "npz", "safetensors"].contains((entry as NSString).pathExtension.lowercased())
        }
        guard !members.isEmpty else {
            throw NotebookError("load weights: \(pattern.map { "nothing in \(folderName) matches \($0)" } ?? "\(folderName) holds no weight files")",
                                suggestion: "a series is a folder (or glob) of .npy, .npz or .safetensors checkpoints, or of folders holding model.safetensors")
        }
        let prefix = folderName == "." && !name.hasPrefix("./") ? "" : (folderName.hasSuffix("/") ? folderName : folderName + "/")
        return members.map { prefix + $0 }
    }

    /// The real path of the folder `name` (trailing slashes allowed; `.` is
    /// the folder names start at), under the running line's rules; nil when
    /// it is not a folder.
    static func resolveFolder(_ name: String, context: CommandContext) throws(NotebookError) -> String? {
        var trimmed = name
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed == "." || trimmed == "./" || trimmed.isEmpty { return context.baseDirectory }
        let target = try context.resolve(trimmed, for: "load")
        return target.kind == .directory ? target.path : nil
    }

    /// The training step in a checkpoint's name: the last run of digits in the
    /// name without its extension (`run3-step0200.npz` → 200), nil if none.
    static func step(in path: String) -> Int? {
        var stem = (path as NSString).lastPathComponent
        for ext in [".safetensors", ".npz", ".npy"] where stem.lowercased().hasSuffix(ext) { stem = String(stem.dropLast(ext.count)) }
        var digits = "", last: String?
        for c in stem {
            if c.isASCII && c.isNumber { digits.append(c) } else if !digits.isEmpty { last = digits; digits = "" }
        }
        if !digits.isEmpty { last = digits }
        return last.flatMap { Int($0.suffix(18)) }
    }

    /// Members in training order, with their steps and whether the steps come
    /// from the names.
    static func order(_ members: [String]) -> (members: [String], steps: [Int], byStep: Bool) {
        let steps = members.map { member -> Int? in
            let stem = member.hasSuffix("/") ? String(member.dropLast()) : member
            return step(in: stem)
        }
        let found = steps.compactMap { $0 }
        if found.count == members.count && Set(found).count == found.count {
            let sorted = zip(members, found).sorted { $0.1 < $1.1 }
            return (sorted.map(\.0), sorted.map(\.1), true)
        }
        return (members, Array(members.indices), false)
    }

    static func readSeries(_ name: String, members unordered: [String], glob: String?, as requested: String?,
                           context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (members, steps, byStep) = order(unordered)
        let seriesName = requested ?? defaultName(name)
        // As the note records it (relative to its folder), in the note's text too.
        let folderName = isGlob(name) ? (name as NSString).deletingLastPathComponent : name
        let recordedFolder = ((try? resolveFolder(folderName, context: context)) ?? nil)
            .flatMap { WeightsCommand.noteRelative($0 + "/", context: context) }
        let recorded = recordedFolder.map { f in isGlob(name) ? f + (name as NSString).lastPathComponent : (f.isEmpty ? "./" : f) }
        var sets = [LoadedWeights](), setNames = [String]()
        for (k, member) in members.enumerated() {
            if context.cancel.isCancelled {
                throw NotebookError("stopped after \(k) of \(members.count) checkpoints; nothing was loaded", suggestion: "load fewer: a narrower glob")
            }
            context.progress?.update(label: "load weights", fraction: Double(k) / Double(members.count), detail: member)
            let path = try context.resolve(member, for: "load").path
            let shown = WeightsCommand.noteRelative(path, context: context) ?? member
            let (file, _, candidates) = try WeightsCommand.open(path, name: shown, glob: glob)
            let layers = try WeightsCommand.analyse(candidates, cancel: context.cancel)
            sets.append(LoadedWeights(file: shown, path: path, format: file.format.rawValue, layers: layers))
            setNames.append("\(seriesName)@\(steps[k])")
        }
        context.progress?.finish()
        for (set, key) in zip(sets, setNames) { context.workspace.weightSets[key] = set }
        context.workspace.weightSeries[seriesName] = WeightSeries(source: recorded ?? name, steps: steps, byStep: byStep, sets: sets, setNames: setNames)
        context.workspace.lastSeries = seriesName
        context.workspace.lastWeights = setNames.last

        var out = CommandOutput()
        let layerNames = sets.flatMap { $0.layers.map(\.name) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        out.line("\(recorded ?? name): a series of \(sets.count) checkpoint\(sets.count == 1 ? "" : "s"), ordered by \(byStep ? "the step in the file name" : "name (the names carry no distinct step numbers; steps are positions)"); \(layerNames.count) layer\(layerNames.count == 1 ? "" : "s")\(glob.map { " matching \($0)" } ?? "")")
        out.line("outliers: levels of X = WᵀW/M beyond the fitted Marchenko–Pastur edge + 4 Tracy–Widom scales, per layer")
        var table = TextTable([TextTable.Column("step"), TextTable.Column("file", .left)]
                              + layerNames.map { TextTable.Column($0) }, indent: "  ")
        for (k, set) in sets.enumerated() {
            let counts = layerNames.map { n -> String in
                guard let layer = set.layers.first(where: { $0.name == n }) else { return "—" }
                if case .success(let s) = layer.spectrum { return "\(s.outliers.count)" }
                return "no fit"
            }
            table.append(["\(steps[k])", set.file] + counts)
        }
        out.lines += table.lines
        out.line("loaded as '\(seriesName)' (each checkpoint as \(seriesName)@STEP): flow of=\(seriesName) follows the levels over training; layer \(layerNames.first ?? "NAME") of=\(setNames.last ?? seriesName) shows one")
        if let recorded { out.recordedPositional = [recorded] }
        return out
    }

    /// The series' default name: its folder's name.
    static func defaultName(_ name: String) -> String {
        let folder = isGlob(name) ? (name as NSString).deletingLastPathComponent : name
        let last = ((folder.hasSuffix("/") ? String(folder.dropLast()) : folder) as NSString).lastPathComponent
        return last.isEmpty || last == "." || last == ".." ? "series" : last
    }
}

extension Workspace {
    /// The series `flow` follows: `of=NAME` when it names one; with no `of=`,
    /// the last series loaded when there is no training result. Nil otherwise.
    func series(for name: String?) -> WeightSeries? {
        if let name { return weightSeries[name] }
        guard last == nil, let key = lastSeries else { return nil }
        return weightSeries[key]
    }
}

extension LoadWeights {
    /// What `load NOTE.md` was given that belongs to `load weights` (or the
    /// other way round), as the error to show; nil when nothing is.
    static func misplaced(_ args: Arguments) -> NotebookError? {
        let name = args.word("file") ?? ""
        if name == "weights" {
            return NotebookError("only=scans is for notes, not weights", suggestion: "load weights PATH [name=GLOB] [as=NAME]")
        }
        if let extra = args.word("path"), !extra.isEmpty {
            return NotebookError("load \(name) takes no second file ('\(extra)')", suggestion: "load weights \(extra) reads a weight file")
        }
        if let key = args.given.first(where: { ["name", "as"].contains($0) }) {
            return NotebookError("load \(name): \(key)= is for weights", suggestion: "load weights \(name) \(key)=…")
        }
        return nil
    }
}
