// SPDX-License-Identifier: GPL-3.0-or-later

/// Enough to rebuild a model elsewhere (another process, another machine):
/// its kind and every parameter, as plain `Codable` values. Doubles survive
/// a JSON round trip exactly (Swift prints the shortest digits that read
/// back to the same bits), so a rebuilt model trains bit for bit like the
/// original.
///
/// Parameters that a kind does not have are nil.
public struct ModelDescription: Sendable, Equatable, Codable {
    public var kind: ModelKind
    public var n: Int
    /// ts: the teacher spectrum t₁ … tₙ.
    public var teacher: [Double]?
    /// ts: ε, the injected noise.
    public var noise: Double?
    /// ts and rbm: the weight init scale.
    public var initScale: Double?
    /// ts: mini-batches per epoch.
    public var batchesPerEpoch: Int?
    /// ts: data shared by all runs (true) or drawn per run.
    public var sharedData: Bool?
    /// rbm: μ, m, σ_h, Gibbs sweeps k and whether the gradient is exact.
    public var mu: Double?
    public var mass: Double?
    public var sigmaH: Double?
    public var gibbsSweeps: Int?
    public var exactGradient: Bool?

    public init(kind: ModelKind, n: Int) {
        self.kind = kind
        self.n = n
    }

    /// The description of `model`, or nil for a model type this file does not know.
    public init?(_ model: any LearningModel) {
        switch model {
        case let m as TeacherStudent:
            self.init(kind: .ts, n: m.n)
            teacher = m.teacher
            noise = m.noise
            initScale = m.initScale
            batchesPerEpoch = m.batchesPerEpoch
            sharedData = m.sharedData
        case let m as GaussianRBM:
            self.init(kind: .rbm, n: m.n)
            mu = m.mu
            mass = m.mass
            sigmaH = m.sigmaH
            gibbsSweeps = m.gibbsSweeps
            initScale = m.initScale
            exactGradient = m.exactGradient
        case let m as ReferenceDBM:
            self.init(kind: .dbm, n: m.n)
        default:
            return nil
        }
    }

    /// The model described, validated as when it was first built. A missing
    /// parameter is an error (a description written by hand or damaged), not
    /// a silent default.
    public func build() throws(ModelError) -> any LearningModel {
        func need<T>(_ value: T?, _ name: String) throws(ModelError) -> T {
            guard let value else {
                throw ModelError("the \(kind.rawValue) model description lacks \(name)",
                                 suggestion: "describe the model again from a model built in dyson")
            }
            return value
        }
        // A description read from a file may claim anything: sizes beyond any
        // model dyson builds are refused before anything is allocated.
        guard (1...100_000).contains(n) else {
            throw ModelError("a \(kind.rawValue) model description with n=\(n) is beyond what dyson trains",
                             suggestion: "describe the model again from a model built in dyson")
        }
        if let teacher, teacher.count != n {
            throw ModelError("the ts model description has \(teacher.count) teacher values for n=\(n)",
                             suggestion: "describe the model again from a model built in dyson")
        }
        switch kind {
        case .ts:
            return try TeacherStudent(n: n, teacher: need(teacher, "teacher"), noise: need(noise, "noise"),
                                      initScale: need(initScale, "initScale"), batchesPerEpoch: need(batchesPerEpoch, "batchesPerEpoch"),
                                      sharedData: need(sharedData, "sharedData"))
        case .rbm:
            return try GaussianRBM(n: n, mu: need(mu, "mu"), mass: need(mass, "mass"), sigmaH: need(sigmaH, "sigmaH"),
                                   gibbsSweeps: need(gibbsSweeps, "gibbsSweeps"), initScale: need(initScale, "initScale"),
                                   exactGradient: need(exactGradient, "exactGradient"))
        case .dbm:
            return try ReferenceDBM(n: n)
        }
    }
}
