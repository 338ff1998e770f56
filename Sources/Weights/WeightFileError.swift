// SPDX-License-Identifier: GPL-3.0-or-later

/// Why a weight file, or one tensor in it, cannot be read.
///
/// Errors are data: every malformed, truncated or lying file ends here with the
/// file, the tensor (when the problem is one tensor's) and what is wrong, never
/// in a trap. Nothing the file declares is trusted before it is checked against
/// the file's real size, so a hostile header cannot make the reader allocate
/// more than the file (or one tensor's converted values) needs.
public struct WeightFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file as it was named to the reader.
    public let file: String
    /// The tensor (or zip entry) concerned, nil for the file as a whole.
    public let tensor: String?
    /// What is wrong, in words.
    public let problem: String
    /// What would help, if anything does.
    public let suggestion: String?

    public init(file: String, tensor: String? = nil, _ problem: String, suggestion: String? = nil) {
        self.file = file
        self.tensor = tensor
        self.problem = problem
        self.suggestion = suggestion
    }

    /// "w.npz: tensor 'fc1': the header declares 80000 bytes, the entry holds 800".
    public var description: String {
        "\(file): " + (tensor.map { "tensor '\($0)': " } ?? "") + problem
    }
}
