// SPDX-License-Identifier: GPL-3.0-or-later

/// A dense real matrix of `Double`, stored row-major.
///
/// Element (i, j) lives at `elements[i * cols + j]`. The type is a value: copies
/// are cheap until written (copy-on-write through the array).
///
/// Shapes are checked: building a matrix from the wrong number of elements, or
/// combining matrices whose shapes do not fit, is a programming error and traps
/// with a message naming both shapes. Fallible numerical work (LAPACK) throws
/// ``LinalgError`` instead.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// The entries, row after row.
    public var elements: [Double]

    /// A matrix from its entries in row-major order.
    /// - Precondition: `elements.count == rows * cols`, both dimensions ≥ 0.
    public init(rows: Int, cols: Int, elements: [Double]) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative shape \(rows)×\(cols)")
        precondition(elements.count == rows * cols,
                     "Matrix: \(elements.count) elements cannot fill a \(rows)×\(cols) matrix")
        self.rows = rows
        self.cols = cols
        self.elements = elements
    }

    /// A matrix with every entry equal to `value`.
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        self.init(rows: rows, cols: cols, elements: Array(repeating: value, count: rows * cols))
    }

    /// A matrix from nested rows; every row must have the same length.
    public init(_ rowArrays: [[Double]]) {
        let r = rowArrays.count
        let c = rowArrays.first?.count ?? 0
        for (i, row) in rowArrays.enumerated() {
            precondition(row.count == c, "Matrix: row \(i) has \(row.count) entries, row 0 has \(c)")
        }
        self.init(rows: r, cols: c, elements: rowArrays.flatMap { $0 })
    }

    /// A matrix whose entry (i, j) is `entry(i, j)`.
    public init(rows: Int, cols: Int, entry: (Int, Int) -> Double) {
        var e = [Double]()
        e.reserveCapacity(rows * cols)
        for i in 0..<rows { for j in 0..<cols { e.append(entry(i, j)) } }
        self.init(rows: rows, cols: cols, elements: e)
    }

    /// The n×n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.elements[i * n + i] = 1 }
        return m
    }

    /// The square matrix with `values` on the diagonal.
    public static func diagonal(_ values: [Double]) -> Matrix {
        let n = values.count
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.elements[i * n + i] = values[i] }
        return m
    }

    /// Whether rows == cols.
    @inlinable public var isSquare: Bool { rows == cols }

    /// (rows, cols), for messages.
    public var shapeDescription: String { "\(rows)×\(cols)" }

    /// Entry (i, j), with bounds checks.
    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < cols, "Matrix: index (\(i), \(j)) outside \(rows)×\(cols)")
            return elements[i * cols + j]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < cols, "Matrix: index (\(i), \(j)) outside \(rows)×\(cols)")
            elements[i * cols + j] = newValue
        }
    }

    /// Row i as an array.
    public func row(_ i: Int) -> [Double] {
        precondition(i >= 0 && i < rows, "Matrix: row \(i) outside \(rows) rows")
        return Array(elements[(i * cols)..<((i + 1) * cols)])
    }

    /// Column j as an array.
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < cols, "Matrix: column \(j) outside \(cols) columns")
        return (0..<rows).map { elements[$0 * cols + j] }
    }

    /// The diagonal entries.
    public var diagonalEntries: [Double] {
        (0..<min(rows, cols)).map { elements[$0 * cols + $0] }
    }

    /// The transpose Mᵀ.
    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        elements.withUnsafeBufferPointer { src in
            t.elements.withUnsafeMutableBufferPointer { dst in
                for i in 0..<rows {
                    for j in 0..<cols { dst[j * rows + i] = src[i * cols + j] }
                }
            }
        }
        return t
    }

    /// The symmetric part (M + Mᵀ)/2 of a square matrix.
    public var symmetricPart: Matrix {
        precondition(isSquare, "symmetricPart needs a square matrix, got \(shapeDescription)")
        var s = self
        for i in 0..<rows {
            for j in (i + 1)..<max(i + 1, cols) {
                let v = 0.5 * (elements[i * cols + j] + elements[j * cols + i])
                s.elements[i * cols + j] = v
                s.elements[j * cols + i] = v
            }
        }
        return s
    }

    /// The trace Σ M_ii of a square matrix.
    public var trace: Double {
        precondition(isSquare, "trace needs a square matrix, got \(shapeDescription)")
        var t = 0.0
        for i in 0..<rows { t += elements[i * cols + i] }
        return t
    }

    /// The Frobenius norm √(Σ M_ij²).
    public var frobeniusNorm: Double {
        var s = 0.0
        for v in elements { s += v * v }
        return s.squareRoot()
    }

    /// The largest |M_ij|.
    public var maxAbs: Double { elements.reduce(0) { max($0, abs($1)) } }

    /// Whether every entry is finite (no NaN, no ±∞).
    public var isFinite: Bool { elements.allSatisfy { $0.isFinite } }

    /// Whether |M_ij − M_ji| ≤ tolerance·max(1, max|M|) for all i, j.
    public func isSymmetric(tolerance: Double = 1e-12) -> Bool {
        guard isSquare else { return false }
        let scale = max(1, maxAbs)
        for i in 0..<rows {
            for j in (i + 1)..<max(i + 1, cols) where abs(self[i, j] - self[j, i]) > tolerance * scale {
                return false
            }
        }
        return true
    }
}

// MARK: - Elementwise arithmetic

extension Matrix {
    private static func checkSameShape(_ a: Matrix, _ b: Matrix, _ op: String) {
        precondition(a.rows == b.rows && a.cols == b.cols,
                     "Matrix \(op): shapes \(a.shapeDescription) and \(b.shapeDescription) differ")
    }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        checkSameShape(a, b, "+")
        var c = a
        for k in c.elements.indices { c.elements[k] += b.elements[k] }
        return c
    }

    public static func - (a: Matrix, b: Matrix) -> Matrix {
        checkSameShape(a, b, "−")
        var c = a
        for k in c.elements.indices { c.elements[k] -= b.elements[k] }
        return c
    }

    public static func * (s: Double, a: Matrix) -> Matrix {
        var c = a
        for k in c.elements.indices { c.elements[k] *= s }
        return c
    }

    public static prefix func - (a: Matrix) -> Matrix { -1.0 * a }

    public static func += (a: inout Matrix, b: Matrix) {
        checkSameShape(a, b, "+=")
        for k in a.elements.indices { a.elements[k] += b.elements[k] }
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        var lines = ["Matrix \(shapeDescription)"]
        for i in 0..<rows {
            lines.append("  " + row(i).map { String(format6: $0) }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// A fixed-width rendering with six significant digits, for debugging output.
    init(format6 value: Double) {
        let s = "\(Double(Float(value)))"
        self = s.count >= 12 ? String(s.prefix(12)) : String(repeating: " ", count: 12 - s.count) + s
    }
}
