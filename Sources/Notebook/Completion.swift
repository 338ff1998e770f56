// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Tab completion that knows where the cursor is: command names first; then
/// the command's positional choices and parameters (only those of the variant
/// typed, e.g. after `model rbm ` only the RBM's); after `KEY=` the values
/// that fit (choices, result or weight names, else the default); file names
/// where a file is expected (`save`, `load`, `source`, `weights`, `export …`).
///
/// Pure: what the workspace holds and what the folder lists are passed in, so
/// the same function serves the REPL and the tests.
public struct Completion {
    /// Training results kept with `as=NAME` (for `of=`).
    public var resultNames: [String] = []
    /// Weight sets read by `weights` (for `of=` of layer, powerlaw, randomize).
    public var weightNames: [String] = []
    /// Lists a folder: (name, is a folder). Relative folders are relative to
    /// the session's base folder.
    public var listFolder: (String) -> [(name: String, isFolder: Bool)] = Completion.listing(base: FileManager.default.currentDirectoryPath)

    public init(resultNames: [String] = [], weightNames: [String] = [],
                listFolder: ((String) -> [(name: String, isFolder: Bool)])? = nil) {
        self.resultNames = resultNames
        self.weightNames = weightNames
        if let listFolder { self.listFolder = listFolder }
    }

    /// Commands whose `of=` names a weight set rather than a training result.
    static let weightCommands: Set<String> = ["layer", "powerlaw", "randomize"]

    /// The file extensions offered where a file is expected (nil: any file).
    static let fileExtensions: [String: [String]] = ["load": ["md"], "save": ["md"], "source": ["dyson"],
                                                     "weights": ["npy", "npz", "safetensors", "json"]]

    /// Candidates for the word being typed at the end of `lineSoFar`; each is the
    /// whole word (`lr=`, `init=0.1`, `sessions/rbm.md`, `sessions/`).
    public func candidates(for lineSoFar: String) -> [String] {
        let parts = lineSoFar.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let current = parts.last ?? ""
        if parts.count <= 1 {
            let names = Notebook.commands.map { $0.spec.name } + Notebook.aliases.keys
            return Set(names).filter { $0.hasPrefix(current.lowercased()) }.sorted()
        }
        let typed = parts[0].lowercased()
        guard let command = Notebook.command(named: Notebook.aliases[typed] ?? typed) else { return [] }
        let spec = command.spec
        let words = parts.dropFirst().dropLast().filter { !$0.contains("=") && !$0.isEmpty }
        let variant = Self.variant(of: spec, words: Array(words))
        if let eq = current.firstIndex(of: "=") {
            let key = String(current[..<eq]).lowercased(), partial = String(current[current.index(after: eq)...])
            return values(of: key, command: spec.name, variant: variant, partial: partial).map { "\(key)=\($0)" }
        }
        var candidates = [String]()
        if words.count < spec.positional.count {
            let slot = spec.positional[words.count]
            if case .choice(let choices) = slot.kind { candidates += choices }
            if slot.name == "file" { return files(matching: current, extensions: Self.fileExtensions[spec.name]) }
            if spec.name == "help" {
                return (Notebook.commands.map { $0.spec.name } + HelpCommand.topics.keys).filter { $0.hasPrefix(current.lowercased()) }.sorted()
            }
            // A required choice (model's kind) comes before any parameter.
            if slot.defaultValue == nil, case .choice = slot.kind { return candidates.filter { $0.hasPrefix(current) } }
        }
        let used = Set(parts.dropLast().compactMap { p in p.firstIndex(of: "=").map { String(p[..<$0]).lowercased() } })
        var seen = Set<String>()
        candidates += spec.parameters(for: variant).map(\.name).filter { !used.contains($0) && seen.insert($0).inserted }.map { "\($0)=" }
        return candidates.filter { $0.hasPrefix(current) }
    }

    /// The variant the words select: the first positional word if it names
    /// one, else the first positional's default (`train` is `train new`).
    static func variant(of spec: CommandSpec, words: [String]) -> String? {
        guard let first = spec.positional.first else { return nil }
        if let w = words.first?.lowercased(), spec.variants[w] != nil { return w }
        return first.defaultValue
    }

    /// Values for `key=`: a choice's words, names of results or weights for
    /// `of=`, else the parameter's default (what `key=` means when left out).
    func values(of key: String, command: String, variant: String?, partial: String) -> [String] {
        guard let spec = Notebook.command(named: command)?.spec,
              let p = spec.parameters(for: variant).first(where: { $0.name == key }) else { return [] }
        let options: [String]
        if key == "of" {
            options = (Self.weightCommands.contains(command) ? weightNames : resultNames).sorted()
        } else if case .choice(let choices) = p.kind {
            options = choices
        } else {
            options = p.defaultValue.map { [$0] } ?? []
        }
        return options.filter { $0.hasPrefix(partial) }
    }

    /// Files and folders whose path starts with `partial` (folders end in `/`;
    /// hidden ones only when asked for with a leading dot; files only with one
    /// of `extensions` when given).
    func files(matching partial: String, extensions: [String]?) -> [String] {
        let folder: String, stem: String
        if let slash = partial.lastIndex(of: "/") {
            folder = String(partial[...slash])
            stem = String(partial[partial.index(after: slash)...])
        } else {
            folder = ""
            stem = partial
        }
        return listFolder(folder.isEmpty ? "." : folder)
            .filter { $0.name.hasPrefix(stem) && (stem.hasPrefix(".") || !$0.name.hasPrefix(".")) }
            .filter { entry in entry.isFolder || extensions.map { $0.contains((entry.name as NSString).pathExtension.lowercased()) } ?? true }
            .map { folder + $0.name + ($0.isFolder ? "/" : "") }
            .sorted()
    }

    /// A folder lister relative to `base` (nothing for a folder that cannot be read).
    public static func listing(base: String) -> (String) -> [(name: String, isFolder: Bool)] {
        { folder in
            let path = folder.hasPrefix("/") ? folder : base + "/" + folder
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
            return names.map { name in
                var isFolder: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isFolder)
                return (name, isFolder.boolValue)
            }
        }
    }
}

extension Notebook {
    /// Completion over this session: its result and weight names, files
    /// relative to its base folder.
    public var completion: Completion {
        Completion(resultNames: Array(workspace.named.keys), weightNames: Array(workspace.weightSets.keys),
                   listFolder: Completion.listing(base: context.sessionFrame.sandbox.base))
    }

    /// Candidates for the word at the end of `lineSoFar` in this session.
    public func completions(for lineSoFar: String) -> [String] {
        completion.candidates(for: lineSoFar)
    }
}
