import KernelPower
import Testing
@testable import TokenWatt

/// `Estimator.withGenericModel`: what `power --params` prices, in the library where the CLI had
/// swapped the estimator's catalog itself.
@Suite struct GenericModelEstimatorTests {
    @Test func itPricesTheGenericDecoderOnTheSameGPUsAndCalibration() throws {
        let base = Estimator()
        let generic = try base.withGenericModel(parameters: 70e9, precision: .fp8)
        let built = try GenericArchitecture.decoder(parameters: 70e9, precision: .fp8)
        #expect(generic.modelID == built.id)
        #expect(generic.estimator.models.models.map(\.id) == [built.id])
        #expect(generic.estimator.gpus.gpus.map(\.id) == base.gpus.gpus.map(\.id))
        #expect(generic.estimator.calibration == base.calibration && generic.estimator.calibrationIsBundled)
        let d = try generic.estimator.deployment(DeploymentRequest(model: generic.modelID, gpu: "h100-sxm", gpus: 2, tensorParallel: 2))
        #expect(d.model.totalParams == built.totalParams && d.precision == .fp8)
        // A bundled id is not in its catalog: the generic model is the only one priced.
        #expect(throws: InputError.self) { try generic.estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm")) }
        #expect(throws: InputError.self) { try base.withGenericModel(parameters: 1, precision: .bf16) }
    }
}
