import Foundation
import Testing
@testable import TokenWatt

/// A bundled lever's name says what its model is beside the baseline's.
@Suite struct BundledLeverLabelTests {
    /// A bundled lever that says "of like size" names a model of like size (within a quarter of
    /// the baseline's parameters) and one that says "smaller" a smaller one: the long-reasoning
    /// workload called Nemotron Nano 12B v2 "of like size" beside Qwen3-32B.
    @Test func bundledLeverLabelsSayTheModelsSize() throws {
        let folder = packageRoot.appendingPathComponent("Workloads")
        let models = Estimator().models
        var checked = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".json") }).sorted() {
            let w = try WorkloadReader.read(path: folder.appendingPathComponent(file).path, dataDirectory: sharedData)
            for s in w.scenarios {
                guard case let .kernel(k) = s.kind else { continue }
                for l in k.levers {
                    guard case let .mechanistic(c) = l.kind, let id = c.model else { continue }
                    let other = try models.model(id).totalParams
                    for d in Set(k.classes.map(\.deployment)) {
                        let base = try models.model(try #require(k.deployments.first { $0.name == d }).request.model).totalParams
                        if l.name.contains("like size") {
                            checked += 1
                            #expect(other / base > 0.75 && other / base < 1.33, "\(file) lever \(l.name): \(other / 1e9) B against \(base / 1e9) B")
                        }
                        if l.name.contains("smaller") { #expect(other < base, "\(file) lever \(l.name)") }
                    }
                }
            }
        }
        #expect(checked > 0)
    }
}
