// SPDX-License-Identifier: GPL-3.0-or-later
//
// Times dyson's trainer on the cases of bench/peers/learning_numpy.py and prints
// one JSON object per line: case, seconds, run-steps per second, and a physics
// check value so that both implementations can be seen to do the same thing.
// Run by bench/run-learning.py. An optional argument selects cases by prefix;
// `--threads N` limits the worker threads.
import Foundation
import Learning
import Linalg
import RMT

var args = Array(CommandLine.arguments.dropFirst())
var threads: Int? = nil
if let i = args.firstIndex(of: "--threads"), i + 1 < args.count {
    threads = Int(args[i + 1]); args.removeSubrange(i...(i + 1))
}
let only = args.first
func wanted(_ name: String) -> Bool { only == nil || name.hasPrefix(only!) }

func report(_ name: String, _ result: TrainingResult, check: Double) {
    let runSteps = Double(result.runCount * result.completedSteps)
    print("{\"case\": \"\(name)\", \"seconds\": \(result.seconds), \"run_steps_per_second\": \(runSteps / result.seconds), \"threads\": \(result.threads), \"check\": \(check)}")
    fflush(nil)
}

func meanPairSpacing(_ r: TrainingResult, block: [Int]) -> Double {
    Statistics.mean(Spacings.withinBlock(r.finalSpectra, block: block))
}

// `alloc-check --steps N`: one small training per model, for counting heap
// allocations under valgrind at two step counts (the counts must not grow).
if only == "alloc-check" {
    var steps = 1000
    if let i = CommandLine.arguments.firstIndex(of: "--steps"), i + 1 < CommandLine.arguments.count {
        steps = Int(CommandLine.arguments[i + 1]) ?? steps
    }
    let models: [any LearningModel] = [try! TeacherStudent(n: 2), try! TeacherStudent(n: 3, sharedData: false),
                                       try! GaussianRBM(n: 10), try! GaussianRBM(n: 20), try! ReferenceDBM(n: 8)]
    for model in models {
        _ = try! Trainer.train(model: model, config: TrainingConfig(lr: 0.01, batch: 8, steps: steps, runs: 4, seed: 1, every: 500, threads: 1))
    }
    exit(0)
}

if wanted("ts") {
    let model = try! TeacherStudent(n: 2, noise: 0.1)
    let config = TrainingConfig(lr: 0.1, batch: 16, steps: 5000, runs: 3000, seed: 1, every: 5000, threads: threads)
    let r = try! Trainer.train(model: model, config: config)
    report("ts n=2 3000 runs x 5000 steps", r, check: meanPairSpacing(r, block: [0, 1]))
}

if wanted("rbm-ensemble") {
    let model = try! GaussianRBM(n: 10)
    let config = TrainingConfig(lr: 0.01, batch: 16, steps: 20_000, runs: 200, seed: 1, every: 20_000, threads: 1)
    let r = try! Trainer.train(model: model, config: config)
    report("rbm n=10 200 runs x 2e4 steps, 1 thread", r, check: Statistics.mean(r.finalSpectra.map { $0.reduce(0, +) }))
    let all = try! Trainer.train(model: model, config: TrainingConfig(lr: 0.01, batch: 16, steps: 20_000, runs: 200, seed: 1, every: 20_000, threads: threads))
    report("rbm n=10 200 runs x 2e4 steps, all cores", all, check: Statistics.mean(all.finalSpectra.map { $0.reduce(0, +) }))
}

if wanted("rbm-large") {
    let model = try! GaussianRBM(n: 100)
    let config = TrainingConfig(lr: 0.01, batch: 32, steps: 10_000, runs: 1, seed: 1, every: 10_000, threads: threads)
    let r = try! Trainer.train(model: model, config: config)
    report("rbm n=100 1 run x 1e4 steps", r, check: r.finalSpectra[0].reduce(0, +))
}
