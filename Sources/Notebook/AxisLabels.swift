// SPDX-License-Identifier: GPL-3.0-or-later
import Learning

/// Axis labels that use the symbol the printed text uses, and say what it is.
/// The spectra are dimensionless (the models have no physical units), so the
/// label names the quantity instead of a unit.
extension SpectrumVariable {
    /// "x = s² (eigenvalue of WᵀW)", for the axis that carries the levels.
    var axisLabel: String {
        switch self {
        case .singularValues: return "s (singular value of W)"
        case .squaredSingularValues: return "x = s² (eigenvalue of WᵀW)"
        case .eigenvalues: return "λ (eigenvalue of H)"
        }
    }

    /// "density ρ(x)", for the axis of a histogram of the levels.
    var densityLabel: String { "density ρ(\(rawValue))" }
}
